package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Names are matched without their schema: a migration that creates
// app.users and then alters users is understood as touching one table.

func relName(rv *pg_query.RangeVar) string {
	if rv == nil {
		return ""
	}
	if rv.Schemaname != "" {
		return rv.Schemaname + "." + rv.Relname
	}
	return rv.Relname
}

func (m *migration) createdRel(rv *pg_query.RangeVar) {
	if rv != nil {
		m.created["rel:"+rv.Relname] = true
		delete(m.sch.dropped, rv.Relname)
	}
}

func (m *migration) isNewRel(rv *pg_query.RangeVar) bool {
	return rv != nil && m.created["rel:"+rv.Relname]
}

// lastName is the unqualified name of a qualified name list.
func lastName(names []*pg_query.Node) string {
	if len(names) == 0 {
		return ""
	}
	return names[len(names)-1].GetString_().GetSval()
}

func rangeVars(ns []*pg_query.Node) []*pg_query.RangeVar {
	var out []*pg_query.RangeVar
	for _, n := range ns {
		if rv := n.GetRangeVar(); rv != nil {
			out = append(out, rv)
		}
	}
	return out
}

// createTable: a table this migration creates is new. With IF NOT EXISTS
// it is new only when the check knows it does not exist (an earlier
// statement dropped it); otherwise it may be the table the previous
// release uses, and later statements are judged as on an existing table.
func (m *migration) createTable(st *statement, cs *pg_query.CreateStmt) {
	if cs == nil {
		m.find(st, "unrecognized-statement", "CREATE TABLE without a body")
		return
	}
	rel := cs.Relation.GetRelname()
	if cs.IfNotExists && !m.sch.dropped[rel] && !m.isNewRel(cs.Relation) {
		m.find(st, "create-table", relName(cs.Relation)+" IF NOT EXISTS: may already exist, so later statements treat it as an existing table")
		return
	}
	m.createdRel(cs.Relation)
	for _, e := range cs.TableElts {
		if cd := e.GetColumnDef(); cd != nil {
			m.cat.set(rel, cd.Colname, typeOf(cd.TypeName))
			if describeColumn(cd).notNull {
				m.sch.notNull[rel+"."+cd.Colname] = true
			}
		}
	}
	m.find(st, "create-table", relName(cs.Relation))
}

func (m *migration) createIndex(st *statement, ix *pg_query.IndexStmt) {
	name := relName(ix.Relation)
	if !ix.IfNotExists {
		m.created["index:"+ix.Idxname] = true
	}
	if m.isNewRel(ix.Relation) {
		m.find(st, "create-index", ix.Idxname+" on "+name+", created by this migration")
		return
	}
	switch {
	case ix.Unique && m.allNewEmpty(ix.Relation.GetRelname(), indexColumns(ix)):
		m.find(st, "create-index", "unique "+ix.Idxname+" on "+name+": its columns were added by this migration and hold only NULLs, which never collide")
	case ix.Unique:
		m.find(st, "create-unique-index", ix.Idxname+" on "+name)
	default:
		m.find(st, "create-index", ix.Idxname+" on "+name)
	}
	m.concurrently(st, ix.Concurrent, "CREATE INDEX "+ix.Idxname, "lock-index-build")
}

// indexColumns are an index's plain columns ("" for an expression).
func indexColumns(ix *pg_query.IndexStmt) []string {
	var out []string
	for _, p := range ix.IndexParams {
		out = append(out, p.GetIndexElem().GetName())
	}
	return out
}

// concurrently warns about an index operation on an existing table: a
// plain one locks the table, a concurrent one fails inside a transaction
// block.
func (m *migration) concurrently(st *statement, concurrent bool, what, lockRule string) {
	if concurrent {
		m.concurrentOK(st, what+" CONCURRENTLY")
		return
	}
	m.find(st, lockRule, what)
	m.locks(st, what)
}

func (m *migration) createView(st *statement, v *pg_query.ViewStmt) {
	existed := !m.isNewRel(v.View)
	m.createdRel(v.View)
	if v.Replace && existed {
		m.find(st, "replace-view", relName(v.View))
		return
	}
	m.find(st, "create-view", relName(v.View))
}

func (m *migration) createType(st *statement, n any) {
	var name string
	switch t := n.(type) {
	case *pg_query.Node_CompositeTypeStmt:
		name = t.CompositeTypeStmt.GetTypevar().GetRelname()
	case *pg_query.Node_CreateEnumStmt:
		name = lastName(t.CreateEnumStmt.TypeName)
	case *pg_query.Node_CreateRangeStmt:
		name = lastName(t.CreateRangeStmt.TypeName)
	case *pg_query.Node_CreateDomainStmt:
		name = lastName(t.CreateDomainStmt.Domainname)
	}
	m.created["type:"+name] = true
	m.find(st, "create-type", name)
}

func (m *migration) createFunction(st *statement, f *pg_query.CreateFunctionStmt) {
	name := lastName(f.Funcname)
	existed := !m.created["func:"+name]
	m.created["func:"+name] = true
	if f.Replace && existed {
		m.find(st, "replace-function", name)
		return
	}
	m.find(st, "create-function", name)
}

func (m *migration) alterEnum(st *statement, e *pg_query.AlterEnumStmt) {
	name := lastName(e.TypeName)
	switch {
	case m.created["type:"+name]:
		m.find(st, "new-object", "type "+name+", created by this migration")
	case e.OldVal != "":
		m.find(st, "rename-enum-value", name+": '"+e.OldVal+"' → '"+e.NewVal+"'")
	default:
		m.find(st, "add-enum-value", name+": '"+e.NewVal+"'")
	}
}

// objName names one object of a DROP or similar statement.
func objName(n *pg_query.Node) string {
	switch {
	case n.GetList() != nil:
		return lastName(n.GetList().Items)
	case n.GetString_() != nil:
		return n.GetString_().Sval
	case n.GetTypeName() != nil:
		return lastName(n.GetTypeName().Names)
	case n.GetObjectWithArgs() != nil:
		return lastName(n.GetObjectWithArgs().Objname)
	}
	return ""
}

// createdKey is the key under which created records an object kind.
func createdKey(k pg_query.ObjectType) string {
	switch k {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_SEQUENCE, pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		return "rel:"
	case pg_query.ObjectType_OBJECT_INDEX:
		return "index:"
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		return "type:"
	case pg_query.ObjectType_OBJECT_FUNCTION, pg_query.ObjectType_OBJECT_PROCEDURE, pg_query.ObjectType_OBJECT_ROUTINE:
		return "func:"
	}
	return strings.ToLower(k.String()) + ":"
}
