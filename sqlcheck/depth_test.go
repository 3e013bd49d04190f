//go:build cgo

package sqlcheck

import (
	"fmt"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"
	"pgregory.net/rapid"
)

// nodeDepth is the deepest nesting of Node messages in the parse tree:
// what libpg_query's C code recurses through.
func nodeDepth(m protoreflect.Message) int {
	deepest := 0
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				deepest = max(deepest, nodeDepth(l.Get(i).Message()))
			}
		case fd.Message() != nil && !fd.IsMap():
			deepest = max(deepest, nodeDepth(v.Message()))
		}
		return true
	})
	if _, ok := m.Interface().(*pg_query.Node); ok {
		deepest++
	}
	return deepest
}

// depthRatio is the most Node levels one level of the estimate stands for
// (a nested subquery: SubLink, SelectStmt, ResTarget).
const depthRatio = 4

// genExpr builds a random expression of the shapes the crash probe tried.
func genExpr(t *rapid.T, level int) string {
	if level > 12 || level > 2 && rapid.IntRange(0, 9).Draw(t, "stop") == 0 {
		return rapid.SampledFrom([]string{"1", "x", "'s'", "$1", "t.c", "NULL"}).Draw(t, "leaf")
	}
	sub := func() string { return genExpr(t, level+1) }
	switch rapid.IntRange(0, 13).Draw(t, "kind") {
	case 0:
		return sub() + " " + rapid.SampledFrom([]string{"+", "-", "*", "||", "<", "=", "->>"}).Draw(t, "op") + " " + sub()
	case 1:
		return "(" + sub() + ")"
	case 2:
		return "f(" + sub() + ", " + sub() + ")"
	case 3:
		return "CASE WHEN " + sub() + " THEN " + sub() + " ELSE " + sub() + " END"
	case 4:
		return "NOT " + sub()
	case 5:
		return sub() + "::int"
	case 6:
		return "(SELECT " + sub() + ")"
	case 7:
		return sub() + " IN (" + sub() + ", " + sub() + ")"
	case 8:
		return "-" + sub()
	case 9:
		return sub() + " AND " + sub()
	case 10:
		return sub() + " IS NOT NULL"
	case 11:
		return "ARRAY[" + sub() + "]"
	case 12:
		return sub() + " BETWEEN " + sub() + " AND " + sub()
	}
	return strings.Repeat(sub()+" + ", rapid.IntRange(1, 40).Draw(t, "chain")) + sub()
}

// TestDepthEstimateBoundsTheTree: for random expressions that parse, the
// parse tree is never deeper than depthRatio times the estimate (plus the
// few levels of the statement around it).
func TestDepthEstimateBoundsTheTree(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		sql := "SELECT " + genExpr(t, 0) + " FROM t"
		if rapid.Bool().Draw(t, "union") {
			sql += " UNION SELECT 1 FROM a JOIN b ON true JOIN c ON true"
		}
		tree, err := pg_query.Parse(sql)
		if err != nil {
			return
		}
		est, real := measureSQL(sql).depth, nodeDepth(tree.ProtoReflect())
		if testing.Verbose() && real > 3*est {
			t.Logf("tree depth %d, estimate %d", real, est)
		}
		if real > depthRatio*est+8 {
			t.Fatalf("tree depth %d, estimate %d: %s", real, est, sql)
		}
	})
}

// TestDepthEstimateSeesThroughBetween: the AND of a BETWEEN does not end
// the chain it stands in, as a boolean AND does (the case rapid found: the
// tree 165 deep, the estimate 7).
func TestDepthEstimateSeesThroughBetween(t *testing.T) {
	for _, rep := range []string{" + NOT x IS NOT NULL BETWEEN x AND 1 + x", " + (x BETWEEN 1 AND 2) + NOT x BETWEEN SYMMETRIC x AND 1 * x"} {
		sql := "SELECT 1" + strings.Repeat(rep, 40) + " FROM t"
		tree, err := pg_query.Parse(sql)
		if err != nil {
			t.Fatalf("%q: %v", rep, err)
		}
		if est, real := measureSQL(sql).depth, nodeDepth(tree.ProtoReflect()); real > depthRatio*est+8 {
			t.Errorf("%q x 40: tree depth %d, estimate %d", rep, real, est)
		}
	}
	// a boolean AND after a BETWEEN's still flattens
	if est := measureSQL("SELECT 1 FROM t WHERE " + strings.Repeat("x BETWEEN 1 AND 2 AND ", 50) + "true").depth; est > 4 {
		t.Errorf("50 BETWEENs joined by AND: estimate %d, want a flat chain", est)
	}
}

// TestLimitsRejectTheCrashes: every shape that crashed the parser in the
// probe is rejected at a quarter of its smallest crashing size (measured
// under a 2 MiB stack, the smallest tried), and ordinary SQL is not.
func TestLimitsRejectTheCrashes(t *testing.T) {
	crashes := []struct {
		shape string
		n     int // smallest crashing size under a 2 MiB stack
		sql   func(n int) string
	}{
		{"plus_chain", 5937, func(n int) string { return "SELECT 1" + strings.Repeat("+1", n-1) }},
		{"concat_chain", 5937, func(n int) string { return "SELECT 'a'" + strings.Repeat("||'a'", n-1) }},
		{"cast_chain", 5937, func(n int) string { return "SELECT 1" + strings.Repeat("::int", n) }},
		{"not_chain", 5937, func(n int) string { return "SELECT " + strings.Repeat("NOT ", n) + "true" }},
		{"nested_subselect", 1984, func(n int) string { return strings.Repeat("SELECT (", n) + "SELECT 1" + strings.Repeat(")", n) }},
		{"check_plus_chain", 5937, func(n int) string {
			return "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1" + strings.Repeat("+1", n-1) + ") NOT VALID"
		}},
	}
	for _, c := range crashes {
		sql := c.sql(c.n / 4)
		if e := DefaultLimits.Check(sql); e == nil || e.Limit != "expression_depth" {
			t.Errorf("%s at %d: %v", c.shape, c.n/4, e)
		}
	}
	for _, sql := range []string{usersTable, "SELECT " + strings.Repeat("a + ", 200) + "1",
		"SELECT 1 WHERE x IN (" + strings.Repeat("1, ", 20000) + "1)",
		"SELECT CASE" + strings.Repeat(" WHEN x THEN 1", 2000) + " END",
		"SELECT a" + strings.Repeat(" AND b OR c", 5000)} {
		if e := DefaultLimits.Check(sql); e != nil {
			t.Errorf("%.60s...: %v", sql, e)
		}
	}
	for _, g := range gooseFiles {
		if e := DefaultLimits.Check(g); e != nil {
			t.Errorf("goose file: %v", e)
		}
	}
}

func TestLimitErrors(t *testing.T) {
	for _, c := range []struct {
		sql   string
		limit string
		line  int
	}{
		{strings.Repeat("x", DefaultLimits.Bytes+1), "bytes", 0},
		{strings.Repeat("SELECT 1;\n", DefaultLimits.Statements+1), "statements", 0},
		{"SELECT 1;\nSELECT 2;\nSELECT " + strings.Repeat("(", 300) + "1" + strings.Repeat(")", 300), "expression_depth", 3},
		{"SELECT 1 WHERE x IN (" + strings.Repeat("1,", DefaultLimits.Tokens) + "1)", "tokens", 0},
	} {
		e := DefaultLimits.Check(c.sql)
		if e == nil || e.Limit != c.limit || e.Line != c.line || e.Got <= e.Max || e.Field != "sql" {
			t.Errorf("%.40s: %+v, want %s at line %d", c.sql, e, c.limit, c.line)
			continue
		}
		if !strings.Contains(e.Error(), fmt.Sprint(e.Max)) || !strings.HasPrefix(e.WithField("migrations[2].sql").Error(), "migrations[2].sql: ") {
			t.Errorf("message %q", e.Error())
		}
	}
}
