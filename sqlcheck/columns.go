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

// addColumn classifies ADD COLUMN on an existing table. With IF NOT
// EXISTS the column may already be there, holding data the previous
// release uses, so later statements do not treat it as new.
func (m *migration) addColumn(st *statement, rel *pg_query.RangeVar, cd *pg_query.ColumnDef, ifNotExists bool) {
	if cd == nil {
		m.find(st, "unrecognized-statement", "ADD COLUMN without a definition")
		return
	}
	col := relName(rel) + "." + cd.Colname
	c := describeColumn(cd)
	if !ifNotExists {
		m.newCols[rel.GetRelname()+"."+cd.Colname] = newCol{filled: c.filled, notNull: c.notNull}
	}
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
	if c.notNull {
		m.sch.notNull[rel.GetRelname()+"."+cd.Colname] = true
	}
	if c.check || c.references {
		m.find(st, "lock-validation", col+": its constraints are checked against every row")
	}
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
// (not volatile) that migrations commonly use, with their number of
// arguments (-1: any). A call with another number is some other function.
var stableFuncs = map[string]int{"now": 0, "transaction_timestamp": 0, "statement_timestamp": 0,
	"current_setting": -1, "to_timestamp": -1, "make_interval": -1}

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
		f := n.GetFuncCall()
		arity, ok := stableFuncs[strings.ToLower(lastName(f.Funcname))]
		return ok && (arity < 0 || arity == len(f.Args)) && allConstant(f.Args)
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
