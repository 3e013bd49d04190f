package sqlcheck

import (
	"fmt"
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// classify records the findings of one statement.
func (m *migration) classify(st *statement) {
	if st.node == nil {
		m.find(st, "parse-error", st.parseErr)
		return
	}
	switch n := st.node.Node.(type) {
	case *pg_query.Node_CreateStmt:
		m.createTable(st, n.CreateStmt)
	case *pg_query.Node_CreateTableAsStmt:
		if !n.CreateTableAsStmt.IfNotExists {
			m.createdRel(n.CreateTableAsStmt.GetInto().GetRel())
		}
		if n.CreateTableAsStmt.Objtype == pg_query.ObjectType_OBJECT_MATVIEW {
			m.find(st, "create-view", relName(n.CreateTableAsStmt.GetInto().GetRel()))
		} else {
			m.find(st, "create-table", relName(n.CreateTableAsStmt.GetInto().GetRel()))
		}
	case *pg_query.Node_CreateForeignTableStmt:
		m.createTable(st, n.CreateForeignTableStmt.GetBaseStmt())
	case *pg_query.Node_IndexStmt:
		m.createIndex(st, n.IndexStmt)
	case *pg_query.Node_ViewStmt:
		m.createView(st, n.ViewStmt)
	case *pg_query.Node_CompositeTypeStmt, *pg_query.Node_CreateEnumStmt, *pg_query.Node_CreateRangeStmt, *pg_query.Node_CreateDomainStmt:
		m.createType(st, n)
	case *pg_query.Node_DefineStmt:
		if n.DefineStmt.Kind == pg_query.ObjectType_OBJECT_TYPE {
			m.created["type:"+lastName(n.DefineStmt.Defnames)] = true
			m.find(st, "create-type", lastName(n.DefineStmt.Defnames))
		} else {
			m.find(st, "create-object", kindName(n.DefineStmt.Kind)+" "+lastName(n.DefineStmt.Defnames))
		}
	case *pg_query.Node_CreateSeqStmt:
		if !n.CreateSeqStmt.IfNotExists {
			m.createdRel(n.CreateSeqStmt.Sequence)
		}
		m.find(st, "create-sequence", relName(n.CreateSeqStmt.Sequence))
	case *pg_query.Node_CreateFunctionStmt:
		m.createFunction(st, n.CreateFunctionStmt)
	case *pg_query.Node_CreateSchemaStmt, *pg_query.Node_CreateExtensionStmt, *pg_query.Node_CreateStatsStmt,
		*pg_query.Node_CreateCastStmt, *pg_query.Node_CreateConversionStmt, *pg_query.Node_CreateOpClassStmt,
		*pg_query.Node_CreateOpFamilyStmt, *pg_query.Node_CreateRoleStmt, *pg_query.Node_CreateTableSpaceStmt,
		*pg_query.Node_CreateEventTrigStmt, *pg_query.Node_CreatePublicationStmt:
		m.find(st, "create-object", nodeName(st.node))
	case *pg_query.Node_CreateTrigStmt:
		m.onTable(st, n.CreateTrigStmt.Relation, "change-trigger", "trigger "+n.CreateTrigStmt.Trigname)
	case *pg_query.Node_RuleStmt:
		m.onTable(st, n.RuleStmt.Relation, "change-trigger", "rule "+n.RuleStmt.Rulename)
	case *pg_query.Node_CreatePolicyStmt:
		m.onTable(st, n.CreatePolicyStmt.Table, "row-security", "policy "+n.CreatePolicyStmt.PolicyName)
	case *pg_query.Node_AlterPolicyStmt:
		m.onTable(st, n.AlterPolicyStmt.Table, "row-security", "policy "+n.AlterPolicyStmt.PolicyName)
	case *pg_query.Node_AlterTableStmt:
		m.alterTable(st, n.AlterTableStmt)
	case *pg_query.Node_RenameStmt:
		m.rename(st, n.RenameStmt)
	case *pg_query.Node_AlterObjectSchemaStmt:
		m.setSchema(st, n.AlterObjectSchemaStmt)
	case *pg_query.Node_AlterEnumStmt:
		m.alterEnum(st, n.AlterEnumStmt)
	case *pg_query.Node_DropStmt:
		m.drop(st, n.DropStmt)
	default:
		m.classifyOther(st)
	}
}

// classifyOther handles data, session, maintenance and privilege statements.
func (m *migration) classifyOther(st *statement) {
	switch n := st.node.Node.(type) {
	case *pg_query.Node_TruncateStmt:
		m.onRels(st, rangeVars(n.TruncateStmt.Relations), "truncate")
	case *pg_query.Node_UpdateStmt:
		m.onRels(st, []*pg_query.RangeVar{n.UpdateStmt.Relation}, "update-rows")
	case *pg_query.Node_DeleteStmt:
		m.onRels(st, []*pg_query.RangeVar{n.DeleteStmt.Relation}, "delete-rows")
	case *pg_query.Node_MergeStmt:
		m.onRels(st, []*pg_query.RangeVar{n.MergeStmt.Relation}, "delete-rows")
	case *pg_query.Node_InsertStmt:
		m.onRels(st, []*pg_query.RangeVar{n.InsertStmt.Relation}, "raw-dml")
	case *pg_query.Node_CopyStmt:
		if n.CopyStmt.IsFrom && n.CopyStmt.Relation != nil && !n.CopyStmt.IsProgram {
			m.onRels(st, []*pg_query.RangeVar{n.CopyStmt.Relation}, "raw-dml")
		} else {
			m.find(st, "raw-dml", "COPY")
		}
	case *pg_query.Node_SelectStmt:
		if into := n.SelectStmt.GetIntoClause(); into != nil {
			m.createdRel(into.Rel)
			m.find(st, "create-table", relName(into.Rel)+" (SELECT INTO)")
			return
		}
		if readOnly(st.node) {
			m.find(st, "read-only-query", "SELECT")
			return
		}
		m.find(st, "raw-dml", "SELECT: "+rawSelectWhy(st.node))
	case *pg_query.Node_CallStmt, *pg_query.Node_ExecuteStmt, *pg_query.Node_ExplainStmt, *pg_query.Node_PrepareStmt:
		m.find(st, "raw-dml", nodeName(st.node))
	case *pg_query.Node_DoStmt:
		m.find(st, "do-block", "")
	case *pg_query.Node_VariableSetStmt:
		m.setting(st, n.VariableSetStmt)
	case *pg_query.Node_TransactionStmt:
		m.transaction(st, n.TransactionStmt)
	default:
		m.classifyMaintenance(st)
	}
}

// classifyMaintenance handles maintenance, locking, privilege and
// documentation statements.
func (m *migration) classifyMaintenance(st *statement) {
	switch n := st.node.Node.(type) {
	case *pg_query.Node_VacuumStmt:
		m.vacuum(st, n.VacuumStmt)
	case *pg_query.Node_ClusterStmt:
		m.find(st, "session-setting", "CLUSTER")
		m.find(st, "table-rewrite", strings.TrimSpace("CLUSTER "+relName(n.ClusterStmt.Relation)))
		m.locks(st, "CLUSTER takes ACCESS EXCLUSIVE")
	case *pg_query.Node_ReindexStmt:
		m.reindex(st, n.ReindexStmt)
	case *pg_query.Node_LockStmt:
		m.lockTable(st, n.LockStmt)
	case *pg_query.Node_CommentStmt:
		m.comment(st, n.CommentStmt)
	case *pg_query.Node_VariableShowStmt, *pg_query.Node_CheckPointStmt, *pg_query.Node_DiscardStmt,
		*pg_query.Node_NotifyStmt, *pg_query.Node_RefreshMatViewStmt, *pg_query.Node_DeallocateStmt:
		m.find(st, "session-setting", nodeName(st.node))
	case *pg_query.Node_SecLabelStmt:
		m.find(st, "grant", nodeName(st.node))
	case *pg_query.Node_DropdbStmt:
		m.find(st, "drop-object", "database "+n.DropdbStmt.Dbname)
	case *pg_query.Node_AlterDomainStmt:
		m.alterDomain(st, n.AlterDomainStmt)
	case *pg_query.Node_GrantStmt:
		m.grant(st, n.GrantStmt.IsGrant, "privileges")
	case *pg_query.Node_GrantRoleStmt:
		m.grant(st, n.GrantRoleStmt.IsGrant, "role membership")
	case *pg_query.Node_AlterOwnerStmt:
		m.find(st, "revoke", "OWNER TO: the previous owner loses its implicit privileges")
	default:
		m.find(st, "unrecognized-statement", nodeName(st.node))
	}
}

func (m *migration) grant(st *statement, isGrant bool, what string) {
	if isGrant {
		m.find(st, "grant", "GRANT "+what)
		return
	}
	m.find(st, "revoke", "REVOKE "+what)
}

// onTable classifies a statement on one table: expand when this
// migration created the table, else rule.
func (m *migration) onTable(st *statement, rv *pg_query.RangeVar, rule, detail string) {
	if m.isNewRel(rv) {
		m.find(st, "new-object", detail+" on "+relName(rv))
		return
	}
	m.find(st, rule, detail+" on "+relName(rv))
}

// onRels classifies data statements: expand when every table they touch
// was created by this migration (seeding a new table), else rule.
func (m *migration) onRels(st *statement, rvs []*pg_query.RangeVar, rule string) {
	var names, old []string
	for _, rv := range rvs {
		names = append(names, relName(rv))
		if !m.isNewRel(rv) {
			old = append(old, relName(rv))
		}
	}
	if len(old) == 0 && len(names) > 0 {
		m.find(st, "new-object", "data of "+strings.Join(names, ", ")+", created by this migration")
		return
	}
	m.find(st, rule, strings.Join(old, ", "))
	if rule == "truncate" {
		m.locks(st, "TRUNCATE "+strings.Join(old, ", "))
	}
}

// nodeName is a statement's node type, e.g. AlterSeqStmt.
func nodeName(n *pg_query.Node) string {
	return strings.TrimPrefix(fmt.Sprintf("%T", n.GetNode()), "*pg_query.Node_")
}

func kindName(k pg_query.ObjectType) string {
	return strings.ReplaceAll(strings.ToLower(strings.TrimPrefix(k.String(), "OBJECT_")), "_", " ")
}

// hasOption reports whether an option list turns name on: (FULL),
// (FULL TRUE), (FULL 1), (FULL on); not (FULL FALSE).
func hasOption(opts []*pg_query.Node, name string) bool {
	on := false
	for _, o := range opts {
		d := o.GetDefElem()
		if !strings.EqualFold(d.GetDefname(), name) {
			continue
		}
		switch a := d.GetArg(); {
		case a == nil:
			on = true
		case a.GetString_() != nil:
			v := strings.ToLower(a.GetString_().Sval)
			on = v != "false" && v != "off" && v != "0" && v != "no"
		case a.GetInteger() != nil:
			on = a.GetInteger().Ival != 0
		case a.GetBoolean() != nil:
			on = a.GetBoolean().Boolval
		default:
			on = true
		}
	}
	return on
}
