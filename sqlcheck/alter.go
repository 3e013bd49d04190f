package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

type at = pg_query.AlterTableType

// simpleActions are ALTER TABLE actions whose rule does not depend on
// their arguments; rewrite marks those that rewrite the table.
var simpleActions = map[at]struct {
	rule    string
	rewrite bool
}{
	pg_query.AlterTableType_AT_DropNotNull:             {"drop-not-null", false},
	pg_query.AlterTableType_AT_SetStatistics:           {"table-storage", false},
	pg_query.AlterTableType_AT_SetOptions:              {"table-storage", false},
	pg_query.AlterTableType_AT_ResetOptions:            {"table-storage", false},
	pg_query.AlterTableType_AT_SetStorage:              {"table-storage", false},
	pg_query.AlterTableType_AT_SetCompression:          {"table-storage", false},
	pg_query.AlterTableType_AT_ClusterOn:               {"table-storage", false},
	pg_query.AlterTableType_AT_DropCluster:             {"table-storage", false},
	pg_query.AlterTableType_AT_SetRelOptions:           {"table-storage", false},
	pg_query.AlterTableType_AT_ResetRelOptions:         {"table-storage", false},
	pg_query.AlterTableType_AT_ReplaceRelOptions:       {"table-storage", false},
	pg_query.AlterTableType_AT_ReplicaIdentity:         {"table-storage", false},
	pg_query.AlterTableType_AT_SetLogged:               {"table-storage", true},
	pg_query.AlterTableType_AT_SetUnLogged:             {"table-storage", true},
	pg_query.AlterTableType_AT_SetTableSpace:           {"table-storage", true},
	pg_query.AlterTableType_AT_SetAccessMethod:         {"table-storage", true},
	pg_query.AlterTableType_AT_ChangeOwner:             {"revoke", false},
	pg_query.AlterTableType_AT_AttachPartition:         {"attach-partition", false},
	pg_query.AlterTableType_AT_DetachPartitionFinalize: {"detach-partition", false},
	pg_query.AlterTableType_AT_EnableRowSecurity:       {"row-security", false},
	pg_query.AlterTableType_AT_DisableRowSecurity:      {"row-security", false},
	pg_query.AlterTableType_AT_ForceRowSecurity:        {"row-security", false},
	pg_query.AlterTableType_AT_NoForceRowSecurity:      {"row-security", false},
}

// actionName is an ALTER TABLE action as the user wrote it, roughly.
func actionName(t at) string {
	return strings.ReplaceAll(strings.TrimPrefix(t.String(), "AT_"), "_", " ")
}

// alterTable classifies each action of an ALTER TABLE; the statement's
// class is the worst of them. On a table this migration created, every
// action is expand (the previous release cannot know the table).
func (m *migration) alterTable(st *statement, s *pg_query.AlterTableStmt) {
	rel := s.Relation
	switch {
	case s.Objtype == pg_query.ObjectType_OBJECT_INDEX || s.Objtype == pg_query.ObjectType_OBJECT_VIEW ||
		s.Objtype == pg_query.ObjectType_OBJECT_MATVIEW:
		m.find(st, "table-storage", "ALTER "+kindName(s.Objtype)+" "+relName(rel))
		return
	case s.Objtype == pg_query.ObjectType_OBJECT_TYPE:
		m.alterComposite(st, s)
		return
	case s.Objtype != pg_query.ObjectType_OBJECT_TABLE && s.Objtype != pg_query.ObjectType_OBJECT_FOREIGN_TABLE:
		m.find(st, "unrecognized-statement", "ALTER "+kindName(s.Objtype))
		return
	case m.isNewRel(rel):
		for _, c := range s.Cmds {
			m.learn(rel.GetRelname(), c.GetAlterTableCmd())
		}
		m.find(st, "new-object", "ALTER TABLE "+relName(rel)+", created by this migration")
		return
	}
	onlyValidate := true
	for _, c := range s.Cmds {
		cmd := c.GetAlterTableCmd()
		if cmd == nil {
			continue
		}
		if cmd.Subtype != pg_query.AlterTableType_AT_ValidateConstraint {
			onlyValidate = false
		}
		m.alterAction(st, rel, cmd)
		m.learn(rel.GetRelname(), cmd)
	}
	if !onlyValidate {
		m.locks(st, "ALTER TABLE "+relName(rel))
	}
}

// alterAction classifies one action on an existing table.
func (m *migration) alterAction(st *statement, rel *pg_query.RangeVar, cmd *pg_query.AlterTableCmd) {
	col := relName(rel) + "." + cmd.Name
	if a, ok := simpleActions[cmd.Subtype]; ok {
		m.find(st, a.rule, actionName(cmd.Subtype)+" on "+relName(rel))
		if a.rewrite {
			m.find(st, "table-rewrite", actionName(cmd.Subtype)+" on "+relName(rel))
		}
		return
	}
	nc, newCol := m.newCols[rel.GetRelname()+"."+cmd.Name]
	switch cmd.Subtype {
	case pg_query.AlterTableType_AT_AddColumn:
		m.addColumn(st, rel, cmd.GetDef().GetColumnDef(), cmd.MissingOk)
	case pg_query.AlterTableType_AT_DropColumn:
		switch {
		case newCol:
			m.find(st, "new-object", "DROP COLUMN "+col+", added by this migration")
		case cmd.Behavior == pg_query.DropBehavior_DROP_CASCADE:
			m.find(st, "drop-cascade", "DROP COLUMN "+col+" CASCADE")
		default:
			m.find(st, "drop-column", col)
		}
	case pg_query.AlterTableType_AT_AlterColumnType:
		if newCol {
			m.find(st, "new-object", "TYPE of "+col+", added by this migration")
			return
		}
		m.alterType(st, rel, cmd.Name, cmd.GetDef().GetColumnDef())
	case pg_query.AlterTableType_AT_SetNotNull:
		m.setNotNull(st, rel, cmd.Name)
	case pg_query.AlterTableType_AT_ColumnDefault:
		m.columnDefault(st, rel, cmd, nc, newCol)
	case pg_query.AlterTableType_AT_AddConstraint:
		m.addConstraint(st, rel, cmd.GetDef().GetConstraint())
	case pg_query.AlterTableType_AT_ValidateConstraint:
		m.validate(st, rel, cmd.Name)
	case pg_query.AlterTableType_AT_DropConstraint:
		m.dropConstraint(st, rel, cmd.Name, cmd.Behavior == pg_query.DropBehavior_DROP_CASCADE)
	case pg_query.AlterTableType_AT_DetachPartition:
		m.detach(st, rel, cmd.GetDef().GetPartitionCmd())
	default:
		if strings.Contains(cmd.Subtype.String(), "Trig") || strings.Contains(cmd.Subtype.String(), "Rule") {
			m.find(st, "change-trigger", actionName(cmd.Subtype)+" on "+relName(rel))
			return
		}
		m.find(st, "unrecognized-statement", "ALTER TABLE "+actionName(cmd.Subtype))
	}
}

// alterComposite classifies ALTER TYPE on a composite type's attributes
// like the same actions on a table's columns.
func (m *migration) alterComposite(st *statement, s *pg_query.AlterTableStmt) {
	name := s.Relation.GetRelname()
	if m.created["type:"+name] {
		m.find(st, "new-object", "type "+name+", created by this migration")
		return
	}
	for _, c := range s.Cmds {
		cmd := c.GetAlterTableCmd()
		switch cmd.GetSubtype() {
		case pg_query.AlterTableType_AT_AddColumn:
			m.find(st, "add-column", "attribute of type "+name)
		case pg_query.AlterTableType_AT_DropColumn:
			m.find(st, "drop-column", "attribute "+cmd.GetName()+" of type "+name)
		case pg_query.AlterTableType_AT_AlterColumnType:
			m.find(st, "alter-column-type", "attribute "+cmd.GetName()+" of type "+name)
		default:
			m.find(st, "unrecognized-statement", "ALTER TYPE "+actionName(cmd.GetSubtype()))
		}
	}
}
