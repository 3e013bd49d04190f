package sqlcheck

import (
	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// alterDomain classifies ALTER DOMAIN like the same change to every
// column that uses the domain: a new constraint or NOT NULL is checked
// against all of them (lock-validation) and refuses writes of the
// previous release that break it.
func (m *migration) alterDomain(st *statement, d *pg_query.AlterDomainStmt) {
	name := lastName(d.TypeName)
	if m.created["type:"+name] {
		m.find(st, "new-object", "domain "+name+", created by this migration")
		return
	}
	what := "domain " + name
	switch d.Subtype {
	case "T":
		if d.Def != nil {
			m.find(st, "set-default", what)
		} else {
			m.find(st, "drop-default", what)
		}
	case "N":
		m.find(st, "drop-not-null", what)
	case "O":
		m.find(st, "set-not-null", what)
		m.find(st, "lock-validation", "SET NOT NULL on "+what+" checks every column that uses it")
	case "C":
		k := d.GetDef().GetConstraint()
		if k.GetSkipValidation() {
			m.find(st, "add-constraint-not-valid", k.GetConname()+" on "+what)
			return
		}
		m.find(st, "add-constraint", k.GetConname()+" on "+what)
		m.find(st, "lock-validation", k.GetConname()+" on "+what+" is checked against every column that uses it")
	case "X":
		if d.Behavior == pg_query.DropBehavior_DROP_CASCADE {
			m.find(st, "drop-cascade", "DROP CONSTRAINT "+d.Name+" CASCADE on "+what)
			return
		}
		m.find(st, "drop-constraint", d.Name+" on "+what)
	case "V":
		m.find(st, "validate-constraint", d.Name+" on "+what)
	default:
		m.find(st, "unrecognized-statement", "ALTER DOMAIN ("+d.Subtype+")")
	}
}
