package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// addConstraint classifies ADD CONSTRAINT on an existing table.
func (m *migration) addConstraint(st *statement, rel *pg_query.RangeVar, k *pg_query.Constraint) {
	if k == nil {
		m.find(st, "unrecognized-statement", "ADD CONSTRAINT without a definition")
		return
	}
	what := strings.ToLower(strings.TrimPrefix(k.Contype.String(), "CONSTR_")) + " " + k.Conname + " on " + relName(rel)
	key := rel.GetRelname() + "." + k.Conname
	m.created["constraint:"+key] = true
	if k.SkipValidation && m.tx.in {
		m.tx.added[key] = true
	}
	if col := notNullCheckColumn(k); col != "" {
		m.sch.checks[key] = &nullCheck{col: col, validated: !k.SkipValidation, file: m.sch.file}
		if nc, ok := m.newCols[rel.GetRelname()+"."+col]; ok && !nc.filled {
			m.find(st, "add-column-not-null", what+": "+col+" was added by this migration without a default, so the previous release's inserts, which omit it, fail the check")
			return
		}
	}
	switch {
	case k.SkipValidation:
		m.find(st, "add-constraint-not-valid", what)
	case k.Indexname != "" && k.Contype == pg_query.ConstrType_CONSTR_UNIQUE:
		m.find(st, "attach-unique-index", what+" using "+k.Indexname)
	case k.Indexname != "":
		m.find(st, "attach-primary-key", what+" using "+k.Indexname)
	case m.onNewColumns(rel, k):
		m.find(st, "new-object", what+": its columns were added by this migration")
		m.find(st, "lock-validation", what+": PostgreSQL still reads every row of "+relName(rel)+" to validate it (or build its index), holding a lock that blocks writes")
	default:
		m.find(st, "add-constraint", what)
		m.find(st, "lock-validation", what)
	}
}

// onNewColumns: a foreign key or unique constraint whose columns were all
// added, without defaults, by this migration holds only NULLs, which
// satisfy it; the previous release writes NULL there.
func (m *migration) onNewColumns(rel *pg_query.RangeVar, k *pg_query.Constraint) bool {
	var cols []*pg_query.Node
	switch k.Contype {
	case pg_query.ConstrType_CONSTR_FOREIGN:
		cols = k.FkAttrs
	case pg_query.ConstrType_CONSTR_UNIQUE:
		cols = k.Keys
	default:
		return false
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = c.GetString_().GetSval()
	}
	return m.allNewEmpty(rel.GetRelname(), names)
}

// allNewEmpty: every column was added by this migration without a value
// (no default), so all existing rows hold NULL there.
func (m *migration) allNewEmpty(rel string, cols []string) bool {
	for _, c := range cols {
		nc, added := m.newCols[rel+"."+c]
		if c == "" || !added || nc.filled {
			return false
		}
	}
	return len(cols) > 0
}

// notNullCheckColumn is col when k is CHECK (col IS NOT NULL).
func notNullCheckColumn(k *pg_query.Constraint) string {
	if k.Contype != pg_query.ConstrType_CONSTR_CHECK {
		return ""
	}
	nt := k.GetRawExpr().GetNullTest()
	if nt == nil || nt.Nulltesttype != pg_query.NullTestType_IS_NOT_NULL {
		return ""
	}
	return lastName(nt.GetArg().GetColumnRef().GetFields())
}

// validate: VALIDATE CONSTRAINT changes no write's outcome (PostgreSQL
// enforces a NOT VALID constraint on every write since it was added); it
// only reads the older rows, under SHARE UPDATE EXCLUSIVE, unless the
// transaction that added the constraint still holds its stronger lock.
func (m *migration) validate(st *statement, rel *pg_query.RangeVar, name string) {
	key := rel.GetRelname() + "." + name
	m.find(st, "validate-constraint", name+" on "+relName(rel))
	if c := m.sch.checks[key]; c != nil {
		c.validated = true
	}
	if m.tx.added[key] {
		m.find(st, "lock-validation", "VALIDATE "+name+" in the transaction that added it: the scan runs while ADD CONSTRAINT's lock "+
			"(ACCESS EXCLUSIVE for a check, SHARE ROW EXCLUSIVE on both tables for a foreign key) is still held")
	}
}

// setNotNull classifies ALTER COLUMN SET NOT NULL.
func (m *migration) setNotNull(st *statement, rel *pg_query.RangeVar, name string) {
	key := rel.GetRelname() + "." + name
	col := relName(rel) + "." + name
	defer func() { m.sch.notNull[key] = true }()
	if nc, ok := m.newCols[key]; ok {
		if !nc.filled {
			m.find(st, "add-column-not-null", col+" was added by this migration without a default: inserts of the previous release, which omit it, fail")
		} else {
			m.find(st, "new-object", "SET NOT NULL on "+col+", added with a default by this migration")
		}
		m.find(st, "lock-validation", "SET NOT NULL scans "+relName(rel))
		return
	}
	c := m.sch.checkOn(rel.GetRelname(), name)
	switch {
	case c == nil:
		m.find(st, "set-not-null", col)
		m.find(st, "lock-validation", "SET NOT NULL scans "+relName(rel))
		return
	case c.file < m.sch.file:
		m.find(st, "check-backed-not-null", col)
	default:
		m.find(st, "set-not-null-after-check", col)
	}
	if !c.validated {
		m.find(st, "lock-validation", "the CHECK ("+name+" IS NOT NULL) is not validated, so SET NOT NULL still scans "+relName(rel))
	}
}

// columnDefault: SET DEFAULT fills a new column for the previous
// release's inserts; DROP DEFAULT of a new NOT NULL column breaks them.
func (m *migration) columnDefault(st *statement, rel *pg_query.RangeVar, cmd *pg_query.AlterTableCmd, nc newCol, isNew bool) {
	key := rel.GetRelname() + "." + cmd.Name
	col := relName(rel) + "." + cmd.Name
	switch {
	case cmd.Def != nil:
		if isNew {
			nc.filled = true
			m.newCols[key] = nc
		}
		m.find(st, "set-default", col)
	case isNew && (nc.notNull || m.sch.notNull[key]):
		nc.filled = false
		m.newCols[key] = nc
		m.find(st, "add-column-not-null", "DROP DEFAULT of "+col+", added NOT NULL by this migration: inserts of the previous release, which omit it, fail")
	case isNew:
		nc.filled = false
		m.newCols[key] = nc
		m.find(st, "new-object", "DROP DEFAULT of "+col+", added by this migration")
	default:
		m.find(st, "drop-default", col)
	}
}

// dropConstraint: a CHECK (col IS NOT NULL) on a column that is NOT NULL
// now refuses nothing more; a constraint this migration added is new.
func (m *migration) dropConstraint(st *statement, rel *pg_query.RangeVar, name string, cascade bool) {
	key := rel.GetRelname() + "." + name
	c := m.sch.checks[key]
	delete(m.sch.checks, key)
	switch {
	case cascade:
		m.find(st, "drop-cascade", "DROP CONSTRAINT "+name+" CASCADE on "+relName(rel))
	case c != nil && m.sch.notNull[rel.GetRelname()+"."+c.col]:
		m.find(st, "drop-not-null-check", name+" on "+relName(rel)+": "+c.col+" is NOT NULL")
	case m.created["constraint:"+key]:
		m.find(st, "new-object", "DROP CONSTRAINT "+name+", added by this migration")
	default:
		m.find(st, "drop-constraint", name+" on "+relName(rel))
	}
}

// detach: DETACH PARTITION without CONCURRENTLY takes ACCESS EXCLUSIVE
// on the parent; CONCURRENTLY cannot run in a transaction block.
func (m *migration) detach(st *statement, rel *pg_query.RangeVar, p *pg_query.PartitionCmd) {
	what := relName(p.GetName()) + " from " + relName(rel)
	m.find(st, "detach-partition", what)
	if p.GetConcurrent() {
		m.concurrentOK(st, "DETACH PARTITION CONCURRENTLY")
		return
	}
	m.find(st, "lock-detach-partition", what)
}
