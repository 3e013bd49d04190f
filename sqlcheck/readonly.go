package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// pureFuncs are functions a read-only query may call: they neither write
// nor advance sequences nor take locks beyond the rows they read.
var pureFuncs = map[string]bool{"count": true, "sum": true, "min": true, "max": true, "avg": true,
	"lower": true, "upper": true, "length": true, "abs": true, "now": true, "coalesce": true,
	"array_agg": true, "string_agg": true, "bool_and": true, "bool_or": true, "to_char": true,
	"date_trunc": true, "concat": true, "substring": true, "btrim": true, "trim": true, "extract": true,
	"current_setting": true, "pg_typeof": true, "version": true, "row_number": true}

// readOnly reports whether a SELECT only reads: no function outside
// pureFuncs, no FOR UPDATE / SHARE, no data-modifying WITH.
func readOnly(n *pg_query.Node) bool { return rawSelectWhy(n) == "" }

// rawSelectWhy says why a SELECT is not read-only ("" when it is).
func rawSelectWhy(n *pg_query.Node) string {
	why := ""
	var walk func(m protoreflect.Message)
	walk = func(m protoreflect.Message) {
		if why != "" {
			return
		}
		switch v := m.Interface().(type) {
		case *pg_query.FuncCall:
			if f := strings.ToLower(lastName(v.Funcname)); !pureFuncs[f] {
				why = "calls " + f + "(), which may write, advance a sequence or lock"
				return
			}
		case *pg_query.LockingClause:
			why = "locks rows (FOR UPDATE / SHARE)"
			return
		case *pg_query.InsertStmt, *pg_query.UpdateStmt, *pg_query.DeleteStmt, *pg_query.MergeStmt:
			why = "modifies data in a WITH clause"
			return
		}
		m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
			switch {
			case fd.IsList() && fd.Message() != nil:
				l := v.List()
				for i := 0; i < l.Len(); i++ {
					walk(l.Get(i).Message())
				}
			case fd.Message() != nil && !fd.IsMap():
				walk(v.Message())
			}
			return why == ""
		})
	}
	walk(n.ProtoReflect())
	return why
}
