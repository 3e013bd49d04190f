package sqlcheck

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// colType is a column type as declared: base name and modifiers, e.g.
// varchar [64] or numeric [10 2].
type colType struct {
	name  string
	mods  []int64
	array bool
}

func (t colType) String() string {
	s := t.name
	if len(t.mods) > 0 {
		parts := make([]string, len(t.mods))
		for i, m := range t.mods {
			parts[i] = fmt.Sprint(m)
		}
		s += "(" + strings.Join(parts, ",") + ")"
	}
	if t.array {
		s += "[]"
	}
	return s
}

var typeAliases = map[string]string{"int": "int4", "integer": "int4", "smallint": "int2", "bigint": "int8",
	"real": "float4", "float": "float8", "decimal": "numeric", "character varying": "varchar", "bool": "boolean"}

func typeOf(tn *pg_query.TypeName) colType {
	if tn == nil {
		return colType{}
	}
	name := strings.ToLower(lastName(tn.Names))
	if a, ok := typeAliases[name]; ok {
		name = a
	}
	t := colType{name: name, array: len(tn.ArrayBounds) > 0}
	for _, m := range tn.Typmods {
		if c := m.GetAConst(); c != nil && c.GetIval() != nil {
			t.mods = append(t.mods, int64(c.GetIval().Ival))
		} else {
			t.mods = append(t.mods, -1) // not a plain number: never widening
		}
	}
	return t
}

// widens reports whether every value of type a is a value of type b that
// the previous release reads back unchanged, and whether PostgreSQL
// rewrites the table to change a into b. The rules are PostgreSQL's:
// pg_cast's binary-coercible pairs (varchar/text, cidr to inet) and the
// support functions that make a length or precision increase a no-op
// (varchar, numeric, varbit, timestamp, time, interval). Widening an
// integer or float is value-preserving but rewrites. typechange_test.go
// has one case per pair, and checks each on a real server.
func widens(a, b colType) (ok, rewrite bool) {
	if a.array || b.array {
		return a.String() == b.String(), a.String() != b.String()
	}
	ints := map[string]int{"int2": 1, "int4": 2, "int8": 3}
	switch {
	case a.String() == b.String():
		return true, false
	case (a.name == "varchar" || a.name == "text") && (b.name == "varchar" || b.name == "text"):
		return lengthWidens(a, b), !lengthWidens(a, b)
	case a.name == "numeric" && b.name == "numeric":
		return numericWidens(a.mods, b.mods)
	case temporal[a.name] && a.name == b.name:
		ok := precision(b, 0) >= precision(a, 0)
		return ok, !ok
	case a.name == "interval" && b.name == "interval":
		ok := (intervalRange(b) == intervalFullRange || intervalRange(b) == intervalRange(a)) && precision(b, 1) >= precision(a, 1)
		return ok, !ok
	case a.name == "varbit" && b.name == "varbit":
		return lengthWidens(a, b), !lengthWidens(a, b)
	case a.name == "bit" && b.name == "varbit": // binary-coercible; a length check rewrites
		return len(b.mods) == 0 || len(a.mods) == 1 && a.mods[0] >= 0 && b.mods[0] >= a.mods[0], len(b.mods) != 0
	case a.name == "cidr" && b.name == "inet":
		return true, false
	case a.name == "xml" && (b.name == "text" || b.name == "varchar" && len(b.mods) == 0):
		return false, false // binary-coercible, but the previous release's xml functions no longer apply
	case ints[a.name] > 0 && ints[b.name] > 0:
		return ints[b.name] > ints[a.name], true
	case a.name == "float4" && b.name == "float8":
		return true, true
	}
	return false, true
}

// temporal types take a fractional-second precision of 0 to 6 (6 when
// none is given).
var temporal = map[string]bool{"timestamp": true, "timestamptz": true, "time": true, "timetz": true}

const intervalFullRange = 0x7FFF

// precision is the fractional-second precision in mods[i], 6 when absent.
func precision(t colType, i int) int64 {
	if len(t.mods) > i && (t.name != "interval" || len(t.mods) == 2) {
		if t.mods[i] < 0 {
			return -1 // not a plain number: never widens
		}
		return t.mods[i]
	}
	return 6
}

// intervalRange is an interval's field mask (DAY, HOUR TO MINUTE, ...).
func intervalRange(t colType) int64 {
	if len(t.mods) == 0 {
		return intervalFullRange
	}
	return t.mods[0]
}

// numericWidens: numeric(p,s) fits numeric(p2,s2) when it keeps at least
// as many digits on both sides of the point; only a change of scale
// rewrites (numeric's support function), and unconstrained takes anything.
func numericWidens(a, b []int64) (ok, rewrite bool) {
	if len(b) == 0 {
		return true, false
	}
	if len(a) == 0 {
		return false, true
	}
	pa, sa, pb, sb := a[0], int64(0), b[0], int64(0)
	if len(a) > 1 {
		sa = a[1]
	}
	if len(b) > 1 {
		sb = b[1]
	}
	ok = sb >= sa && pb-sb >= pa-sa && pa >= 0
	return ok, !ok || sb != sa
}

// lengthWidens: varchar(n) / varbit(n) to an unconstrained type or a
// length at least n; text to an unconstrained varchar.
func lengthWidens(a, b colType) bool {
	switch {
	case len(b.mods) == 0:
		return true
	case len(a.mods) == 0:
		return false
	}
	return a.mods[0] >= 0 && b.mods[0] >= a.mods[0]
}

func (m *migration) alterType(st *statement, rel *pg_query.RangeVar, name string, cd *pg_query.ColumnDef) {
	col := relName(rel) + "." + name
	if cd == nil {
		m.find(st, "unrecognized-statement", "ALTER COLUMN TYPE without a type")
		return
	}
	to := typeOf(cd.TypeName)
	from, known := m.cat.get(rel.GetRelname(), name)
	switch {
	case !known:
		m.find(st, "alter-column-type", fmt.Sprintf("%s → %s; the column's current type is not in the migrations checked", col, to))
		m.find(st, "table-rewrite", col+": a type change may rewrite the table")
		return
	case cd.RawDefault != nil && !plainColumn(cd.RawDefault, name):
		m.find(st, "alter-column-type", fmt.Sprintf("%s %s → %s USING an expression: the data changes", col, from, to))
		m.find(st, "table-rewrite", col+": USING rewrites the table")
		return
	}
	ok, rewrite := widens(from, to)
	if ok {
		m.find(st, "widen-column-type", fmt.Sprintf("%s %s → %s", col, from, to))
	} else {
		m.find(st, "alter-column-type", fmt.Sprintf("%s %s → %s", col, from, to))
	}
	if rewrite {
		m.find(st, "table-rewrite", fmt.Sprintf("%s %s → %s", col, from, to))
	}
}

// plainColumn: USING col or USING col::type, which changes no value.
func plainColumn(n *pg_query.Node, col string) bool {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	return lastName(n.GetColumnRef().GetFields()) == col
}

// catalog is the column types the checked migrations declared, by table
// (unqualified) and column.
type catalog map[string]map[string]colType

func (c catalog) set(rel, col string, t colType) {
	if c[rel] == nil {
		c[rel] = map[string]colType{}
	}
	c[rel][col] = t
}

func (c catalog) get(rel, col string) (colType, bool) {
	t, ok := c[rel][col]
	return t, ok && t.name != ""
}

func (c catalog) drop(rel string)            { delete(c, rel) }
func (c catalog) dropColumn(rel, col string) { delete(c[rel], col) }
func (c catalog) rename(rel, to string)      { c[to] = c[rel]; delete(c, rel) }
func (c catalog) renameColumn(rel, col, to string) {
	if t, ok := c[rel][col]; ok {
		c[rel][to] = t
		delete(c[rel], col)
	}
}
