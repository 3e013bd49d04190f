package sqlcheck

import (
	"strings"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// column is what ADD COLUMN's definition promises.
type column struct {
	notNull, filled   bool // NOT NULL / PRIMARY KEY; a default, identity, serial or generated value
	rewrite           string
	check, references bool
}

var serialTypes = map[string]bool{"serial": true, "serial2": true, "serial4": true, "serial8": true,
	"smallserial": true, "bigserial": true}

func describeColumn(cd *pg_query.ColumnDef) column {
	var c column
	if serialTypes[typeOf(cd.TypeName).name] {
		c.filled, c.rewrite = true, "a serial column's nextval() default"
	}
	if cd.IsNotNull {
		c.notNull = true
	}
	for _, n := range cd.Constraints {
		k := n.GetConstraint()
		switch k.GetContype() {
		case pg_query.ConstrType_CONSTR_NOTNULL, pg_query.ConstrType_CONSTR_PRIMARY:
			c.notNull = true
			c.check = c.check || k.GetContype() == pg_query.ConstrType_CONSTR_PRIMARY
		case pg_query.ConstrType_CONSTR_DEFAULT:
			c.filled = true
			if !constantExpr(k.RawExpr) {
				c.rewrite = "a default that may be volatile"
			}
		case pg_query.ConstrType_CONSTR_IDENTITY:
			c.filled, c.rewrite = true, "an identity column"
		case pg_query.ConstrType_CONSTR_GENERATED:
			c.filled, c.rewrite = true, "a stored generated column"
		case pg_query.ConstrType_CONSTR_CHECK, pg_query.ConstrType_CONSTR_UNIQUE, pg_query.ConstrType_CONSTR_EXCLUSION:
			c.check = true
		case pg_query.ConstrType_CONSTR_FOREIGN:
			c.references = true
		}
	}
	return c
}

func (m *migration) addColumn(st *statement, rel *pg_query.RangeVar, cd *pg_query.ColumnDef) {
	if cd == nil {
		m.find(st, "unrecognized-statement", "ADD COLUMN without a definition")
		return
	}
	col := relName(rel) + "." + cd.Colname
	c := describeColumn(cd)
	m.newCols[rel.GetRelname()+"."+cd.Colname] = c.filled
	switch {
	case c.notNull && !c.filled:
		m.find(st, "add-column-not-null", col)
	case c.notNull:
		m.find(st, "add-column-not-null-default", col)
	default:
		m.find(st, "add-column", col)
	}
	if c.rewrite != "" {
		m.find(st, "table-rewrite", col+": "+c.rewrite)
	}
	if c.check || c.references {
		m.find(st, "lock-validation", col+": its constraints are checked against every row")
	}
}

// addConstraint classifies ADD CONSTRAINT on an existing table.
func (m *migration) addConstraint(st *statement, rel *pg_query.RangeVar, k *pg_query.Constraint) {
	if k == nil {
		m.find(st, "unrecognized-statement", "ADD CONSTRAINT without a definition")
		return
	}
	what := strings.ToLower(strings.TrimPrefix(k.Contype.String(), "CONSTR_")) + " " + k.Conname + " on " + relName(rel)
	if col := notNullCheckColumn(k); col != "" {
		key := rel.GetRelname() + "." + col
		if k.SkipValidation {
			m.nullChecks[k.Conname] = key
		} else {
			m.notNull[key] = true
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
	for _, c := range cols {
		filled, added := m.newCols[rel.GetRelname()+"."+c.GetString_().GetSval()]
		if !added || filled {
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

// learn records what an ALTER TABLE action does to the column catalog.
func (m *migration) learn(rel string, cmd *pg_query.AlterTableCmd) {
	switch cmd.GetSubtype() {
	case pg_query.AlterTableType_AT_AddColumn:
		if cd := cmd.GetDef().GetColumnDef(); cd != nil {
			m.cat.set(rel, cd.Colname, typeOf(cd.TypeName))
		}
	case pg_query.AlterTableType_AT_AlterColumnType:
		if cd := cmd.GetDef().GetColumnDef(); cd != nil {
			m.cat.set(rel, cmd.Name, typeOf(cd.TypeName))
		}
	case pg_query.AlterTableType_AT_DropColumn:
		m.cat.dropColumn(rel, cmd.Name)
	}
}

// stableFuncs are functions a default may call without a table rewrite
// (not volatile) that migrations commonly use.
var stableFuncs = map[string]bool{"now": true, "transaction_timestamp": true, "statement_timestamp": true,
	"current_setting": true, "to_timestamp": true, "make_interval": true}

// constantExpr reports whether a default is evaluated once (constant or
// stable), so that PostgreSQL 11+ adds the column without a rewrite.
func constantExpr(n *pg_query.Node) bool {
	switch {
	case n == nil:
		return true
	case n.GetAConst() != nil, n.GetSqlvalueFunction() != nil:
		return true
	case n.GetTypeCast() != nil:
		return constantExpr(n.GetTypeCast().Arg)
	case n.GetAArrayExpr() != nil:
		return allConstant(n.GetAArrayExpr().Elements)
	case n.GetAExpr() != nil:
		return constantExpr(n.GetAExpr().Lexpr) && constantExpr(n.GetAExpr().Rexpr)
	case n.GetBoolExpr() != nil:
		return allConstant(n.GetBoolExpr().Args)
	case n.GetFuncCall() != nil:
		return stableFuncs[strings.ToLower(lastName(n.GetFuncCall().Funcname))] && allConstant(n.GetFuncCall().Args)
	}
	return false
}

func allConstant(ns []*pg_query.Node) bool {
	for _, n := range ns {
		if !constantExpr(n) {
			return false
		}
	}
	return true
}
