package newrelic

import (
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// The fixture answers NerdGraph's POST /graphql as New Relic documents it
// (docs.newrelic.com, "NerdGraph tutorial: NRQL queries"; the query and
// result container of newrelic/newrelic-client-go pkg/nrdb/nrdb_query.go
// and pkg/nrdb/types.go at 164dad0ef95d8d827042705d3e9bc032bf4e93bb):
// {"data": {"actor": {"account": {"nrql": {"results": [...], "metadata":
// {"facets": [...]}}}}}}, one result row per TIMESERIES bucket with
// beginTimeSeconds, endTimeSeconds, the aggregate keyed "FUNC.ATTRIBUTE",
// and with FACET the facet value under "facet" and under its attribute.
// A query without FACET that matches nothing still answers every bucket,
// its value null, as NRQL's TIMESERIES does. It understands the subset of
// NRQL the tests write:
// SELECT FUNC(METRIC) FROM Metric WHERE COND AND ... [FACET ATTR]
// TIMESERIES N seconds SINCE MS UNTIL MS, with COND `attr` = 'value'.
var (
	nrqlRE = regexp.MustCompile(`^SELECT (sum|average|max)\(([A-Za-z0-9_.]+)\) FROM Metric WHERE (.*?)(?: FACET ([A-Za-z_]+))? TIMESERIES (\d+) seconds SINCE (\d+) UNTIL (\d+)$`)
	condRE = regexp.MustCompile("^`?([A-Za-z_][A-Za-z0-9_]*)`? = '([^']*)'$")
)

func fixture(t testing.TB, d promtest.Data) string {
	flat := sourcetest.Flat(d)
	return sourcetest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Query     string
			Variables struct {
				Query     string
				AccountID int64 `json:"accountId"`
			}
		}
		if r.Method != http.MethodPost || json.NewDecoder(r.Body).Decode(&req) != nil || !strings.Contains(req.Query, "nrql(query: $query") {
			sourcetest.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []map[string]any{{"message": "bad GraphQL request"}}})
			return
		}
		rows, facets, msg := answerNRQL(flat, req.Variables.Query)
		if msg != "" || req.Variables.AccountID != 4242 {
			if msg == "" {
				msg = "Account not found"
			}
			sourcetest.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"actor": map[string]any{"account": map[string]any{"nrql": nil}}},
				"errors": []map[string]any{{"message": msg, "path": []string{"actor", "account", "nrql"}}}})
			return
		}
		sourcetest.WriteJSON(w, http.StatusOK, map[string]any{"data": map[string]any{"actor": map[string]any{"account": map[string]any{
			"nrql": map[string]any{"results": rows, "metadata": map[string]any{"facets": facets}}}}}})
	}))
}

func answerNRQL(flat []sourcetest.Base, q string) ([]map[string]json.RawMessage, []string, string) {
	m := nrqlRE.FindStringSubmatch(q)
	if m == nil {
		return nil, nil, "NRQL Syntax Error: Error at line 1 position 1"
	}
	agg := map[string]string{"sum": "sum", "average": "avg", "max": "max"}[m[1]]
	sel := sourcetest.Select{Name: strings.ReplaceAll(m[2], ".", "_"), Filters: map[string]string{}, GroupBy: m[4], Agg: agg}
	for _, c := range strings.Split(m[3], " AND ") {
		cm := condRE.FindStringSubmatch(c)
		if cm == nil {
			return nil, nil, "NRQL Syntax Error: cannot read condition " + c
		}
		sel.Filters[cm[1]] = cm[2]
	}
	n, _ := strconv.Atoi(m[5])
	since, _ := strconv.ParseInt(m[6], 10, 64)
	until, _ := strconv.ParseInt(m[7], 10, 64)
	step := time.Duration(n) * time.Second
	from, to := time.UnixMilli(since), time.UnixMilli(until)
	outs := sourcetest.Eval(flat, sel, from, to, step)
	key := m[1] + "." + m[2]
	var rows []map[string]json.RawMessage
	var facets []string
	if sel.GroupBy != "" {
		facets = []string{sel.GroupBy}
	}
	if len(outs) == 0 && sel.GroupBy == "" {
		outs = []sourcetest.Out{{}}
		for t := from; t.Before(to); t = t.Add(step) {
			outs[0].T, outs[0].V = append(outs[0].T, t), append(outs[0].V, math.NaN())
		}
	}
	for _, o := range outs {
		for i, t := range o.T {
			row := map[string]json.RawMessage{"beginTimeSeconds": sourcetest.Number(float64(t.Unix())),
				"endTimeSeconds": sourcetest.Number(float64(t.Add(step).Unix())), key: sourcetest.Number(o.V[i])}
			if sel.GroupBy != "" {
				fv, _ := json.Marshal(o.Labels[sel.GroupBy])
				row["facet"], row[sel.GroupBy] = fv, fv
			}
			rows = append(rows, row)
		}
	}
	if rows == nil {
		rows = []map[string]json.RawMessage{}
	}
	return rows, facets, ""
}
