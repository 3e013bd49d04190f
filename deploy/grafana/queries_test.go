package grafana

import (
	"context"
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/prometheus/promql/parser"
)

// viewColumns are verdict_history's columns as the database has them.
func viewColumns(t *testing.T, conn *pgx.Conn) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(),
		`SELECT column_name FROM information_schema.columns WHERE table_name = 'verdict_history' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(cols) == 0 {
		t.Fatalf("verdict_history's columns: %v %v", cols, err)
	}
	return cols
}

// Grafana's macros and the dashboard's variable, as Grafana expands them.
var (
	timeGroup  = regexp.MustCompile(`\$__timeGroupAlias\((\w+),[^)]*\)`)
	timeFilter = regexp.MustCompile(`\$__timeFilter\((\w+)\)`)
)

func expand(q string) string {
	q = timeGroup.ReplaceAllString(q, `date_trunc('minute', $1) AS "time"`)
	q = timeFilter.ReplaceAllString(q, `$1 BETWEEN '2000-01-01T00:00:00Z' AND '2100-01-01T00:00:00Z'`)
	return strings.ReplaceAll(q, "$service", "'checkout'")
}

// checkSQL: after expansion no macro is left; the query reads only
// verdict_history, names only its columns (or the query's own aliases),
// and returns rows on the demo story's database.
func checkSQL(t *testing.T, conn *pgx.Conn, where, raw string, columns []string, wantRows bool) {
	t.Helper()
	q := expand(raw)
	if strings.Contains(q, "$") {
		t.Errorf("%s: an unknown macro or variable is left in %q", where, q)
		return
	}
	tree, err := pg_query.ParseToJSON(q)
	if err != nil {
		t.Errorf("%s: %v in %q", where, err, q)
		return
	}
	var doc any
	if err := json.Unmarshal([]byte(tree), &doc); err != nil {
		t.Fatal(err)
	}
	var rels, cols, aliases []string
	walk(doc, &rels, &cols, &aliases)
	for _, r := range rels {
		if r != "verdict_history" {
			t.Errorf("%s: reads %s; the dashboard reads only the verdict_history view", where, r)
		}
	}
	for _, c := range cols {
		if !slices.Contains(columns, c) && !slices.Contains(aliases, c) {
			t.Errorf("%s: column %q is not one of verdict_history's %v", where, c, columns)
		}
	}
	rows, err := conn.Query(context.Background(), q)
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	n := 0
	for rows.Next() {
		n++
	}
	if err := rows.Err(); err != nil {
		t.Errorf("%s: %v", where, err)
	}
	if wantRows && n == 0 {
		t.Errorf("%s: no rows on a database holding the demo story", where)
	}
}

// walk collects relation names, column references and output aliases
// from pg_query's JSON parse tree.
func walk(v any, rels, cols, aliases *[]string) {
	switch x := v.(type) {
	case map[string]any:
		if rv, ok := x["RangeVar"].(map[string]any); ok {
			*rels = append(*rels, rv["relname"].(string))
		}
		if cr, ok := x["ColumnRef"].(map[string]any); ok {
			fields, _ := cr["fields"].([]any)
			if len(fields) > 0 {
				if s, ok := fields[len(fields)-1].(map[string]any)["String"].(map[string]any); ok {
					*cols = append(*cols, s["sval"].(string))
				}
			}
		}
		if rt, ok := x["ResTarget"].(map[string]any); ok {
			if name, ok := rt["name"].(string); ok {
				*aliases = append(*aliases, name)
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			walk(x[k], rels, cols, aliases)
		}
	case []any:
		for _, e := range x {
			walk(e, rels, cols, aliases)
		}
	}
}

// exported lists the metric names a registry exposes (histograms with
// their _bucket, _sum and _count series).
func exported(t *testing.T, reg *prometheus.Registry) []string {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, mf := range mfs {
		out = append(out, mf.GetName())
		if mf.GetType() == dto.MetricType_HISTOGRAM {
			out = append(out, mf.GetName()+"_bucket", mf.GetName()+"_sum", mf.GetName()+"_count")
		}
	}
	return out
}

// checkPromQL: the expression parses (Grafana's $__rate_interval and the
// $service variable filled in) and every selector names an exported metric.
func checkPromQL(t *testing.T, where, expr string, metrics []string) {
	t.Helper()
	e := strings.NewReplacer("$__rate_interval", "5m", "$service", "checkout").Replace(expr)
	tree, err := parser.NewParser(parser.Options{}).ParseExpr(e)
	if err != nil {
		t.Errorf("%s: %q does not parse: %v", where, e, err)
		return
	}
	n := 0
	parser.Inspect(tree, func(node parser.Node, _ []parser.Node) error {
		if vs, ok := node.(*parser.VectorSelector); ok {
			n++
			if !slices.Contains(metrics, vs.Name) {
				t.Errorf("%s: %q is not a metric canaryjudge exports", where, vs.Name)
			}
		}
		return nil
	})
	if n == 0 {
		t.Errorf("%s: %q selects no metric", where, e)
	}
}
