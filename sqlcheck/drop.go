package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// drop classifies DROP statements: contract (the previous release may use
// what goes), incompatible with CASCADE, expand for what this migration
// created itself.
func (m *migration) drop(st *statement, d *pg_query.DropStmt) {
	key := createdKey(d.RemoveType)
	var names []string
	allNew := len(d.Objects) > 0
	for _, o := range d.Objects {
		name := objName(o)
		names = append(names, name)
		if !m.created[key+name] {
			allNew = false
		}
		if key == "rel:" {
			m.sch.dropRel(name)
		}
	}
	what := kindName(d.RemoveType) + " " + strings.Join(names, ", ")
	switch {
	case allNew:
		m.find(st, "new-object", what+", created by this migration")
		return
	case d.Behavior == pg_query.DropBehavior_DROP_CASCADE:
		m.find(st, "drop-cascade", what)
	default:
		m.find(st, dropRule(d.RemoveType), what)
	}
	switch d.RemoveType {
	case pg_query.ObjectType_OBJECT_INDEX:
		m.concurrently(st, d.Concurrent, "DROP INDEX "+strings.Join(names, ", "), "lock-drop-index")
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
		m.locks(st, "DROP "+what)
	}
}

func dropRule(k pg_query.ObjectType) string {
	switch k {
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		return "drop-table"
	case pg_query.ObjectType_OBJECT_INDEX:
		return "drop-index"
	case pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW:
		return "drop-view"
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		return "drop-type"
	case pg_query.ObjectType_OBJECT_POLICY:
		return "row-security"
	}
	return "drop-object"
}

// rename classifies RENAME: breaking for every name code uses, harmless
// for names only the database uses, expand for what this migration made.
func (m *migration) rename(st *statement, r *pg_query.RenameStmt) {
	switch r.RenameType {
	case pg_query.ObjectType_OBJECT_COLUMN, pg_query.ObjectType_OBJECT_ATTRIBUTE:
		m.renameColumn(st, r)
	case pg_query.ObjectType_OBJECT_TABLE, pg_query.ObjectType_OBJECT_VIEW, pg_query.ObjectType_OBJECT_MATVIEW,
		pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		what := relName(r.Relation) + " → " + r.Newname
		m.cat.rename(r.Relation.GetRelname(), r.Newname)
		if m.isNewRel(r.Relation) {
			m.created["rel:"+r.Newname] = true
			m.find(st, "new-object", what)
			return
		}
		m.find(st, "rename-table", what)
		m.locks(st, "RENAME "+relName(r.Relation))
	case pg_query.ObjectType_OBJECT_INDEX, pg_query.ObjectType_OBJECT_TRIGGER, pg_query.ObjectType_OBJECT_RULE,
		pg_query.ObjectType_OBJECT_POLICY:
		m.find(st, "rename-index-or-trigger", kindName(r.RenameType)+" → "+r.Newname)
	case pg_query.ObjectType_OBJECT_TABCONSTRAINT, pg_query.ObjectType_OBJECT_DOMCONSTRAINT:
		m.onTable(st, r.Relation, "rename-constraint", "constraint "+r.Subname+" → "+r.Newname)
	case pg_query.ObjectType_OBJECT_SCHEMA:
		m.find(st, "rename-schema", r.Subname+" → "+r.Newname)
	case pg_query.ObjectType_OBJECT_TYPE, pg_query.ObjectType_OBJECT_DOMAIN:
		name := objName(r.Object)
		if m.created["type:"+name] {
			m.find(st, "new-object", "type "+name+", created by this migration")
			return
		}
		m.find(st, "rename-type", name+" → "+r.Newname)
	default:
		name := objName(r.Object)
		if r.Relation != nil {
			name = relName(r.Relation)
		}
		if m.created[createdKey(r.RenameType)+name] {
			m.find(st, "new-object", kindName(r.RenameType)+" "+name+", created by this migration")
			return
		}
		m.find(st, "rename-object", kindName(r.RenameType)+" "+name+" → "+r.Newname)
	}
}

func (m *migration) renameColumn(st *statement, r *pg_query.RenameStmt) {
	rel := r.Relation.GetRelname()
	what := relName(r.Relation) + "." + r.Subname + " → " + r.Newname
	isNew := m.isNewRel(r.Relation) || m.created["type:"+rel]
	_, newCol := m.newCols[rel+"."+r.Subname]
	m.cat.renameColumn(rel, r.Subname, r.Newname)
	if isNew || newCol {
		if newCol {
			m.newCols[rel+"."+r.Newname] = m.newCols[rel+"."+r.Subname]
		}
		m.find(st, "new-object", what)
		return
	}
	m.find(st, "rename-column", what)
	m.locks(st, "RENAME COLUMN "+what)
}

// setSchema: moving an object to another schema renames it for its users.
func (m *migration) setSchema(st *statement, s *pg_query.AlterObjectSchemaStmt) {
	name := relName(s.Relation)
	if s.Relation == nil {
		name = objName(s.Object)
	}
	if s.Relation != nil && m.isNewRel(s.Relation) {
		m.find(st, "new-object", name+" SET SCHEMA "+s.Newschema)
		return
	}
	m.find(st, "rename-object", kindName(s.ObjectType)+" "+name+" SET SCHEMA "+s.Newschema)
}
