package datadog

import (
	"encoding/json"

	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// The fixture answers GET /api/v1/query as Datadog's API reference
// documents it (docs.datadoghq.com/api/latest/metrics/#query-timeseries-points;
// response fields from DataDog/datadog-api-client-go
// api/datadogV1/model_metrics_query_metadata.go at
// 1c6033006d72db906faef2daeecda0ccd20cb48e): status, res_type, query,
// from_date, to_date and series of {metric, scope, tag_set, expression,
// aggr, interval, length, start, end, pointlist [[ms, value]]}, each point
// stamped at the start of its rollup interval. It understands the subset
// of the query language the tests write:
// AGG:METRIC{TAG:VALUE,...}[ by {TAG}][.as_count()][.rollup(AGG, SECONDS)],
// with METRIC the dataset's names with dots for underscores
// (http.requests, http.latency_p99, process.cpu, checkout.attempts,
// checkout.success, overflow).
var queryRE = regexp.MustCompile(`^(sum|avg|max|min):([A-Za-z0-9_.]+)\{([^}]*)\}(?: by \{([A-Za-z0-9_]+)\})?((?:\.[a-z_]+\([^)]*\))*)$`)

var rollupRE = regexp.MustCompile(`\.rollup\((sum|avg|max|min), *(\d+)\)`)

func fixture(t testing.TB, d promtest.Data) string {
	flat := sourcetest.Flat(d)
	return sourcetest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/query" || r.Method != http.MethodGet {
			sourcetest.WriteJSON(w, http.StatusNotFound, map[string]any{"errors": []string{"Not found"}})
			return
		}
		q := r.URL.Query()
		from, err1 := strconv.ParseInt(q.Get("from"), 10, 64)
		to, err2 := strconv.ParseInt(q.Get("to"), 10, 64)
		m := queryRE.FindStringSubmatch(q.Get("query"))
		if err1 != nil || err2 != nil || m == nil {
			sourcetest.WriteJSON(w, http.StatusBadRequest, map[string]any{"errors": []string{"Error parsing query: " + q.Get("query")}})
			return
		}
		sel := sourcetest.Select{Name: strings.ReplaceAll(m[2], ".", "_"), Filters: map[string]string{}, GroupBy: m[4], Agg: m[1]}
		for _, f := range strings.Split(m[3], ",") {
			if k, v, ok := strings.Cut(strings.TrimSpace(f), ":"); ok {
				sel.Filters[k] = v
			}
		}
		step := 15 * time.Second
		if rm := rollupRE.FindStringSubmatch(m[5]); rm != nil {
			n, _ := strconv.Atoi(rm[2])
			step = time.Duration(n) * time.Second
		}
		start := sourcetest.Floor(time.Unix(from, 0), step)
		var series []map[string]any
		for _, o := range sourcetest.Eval(flat, sel, start, time.Unix(to, 0), step) {
			pts := make([][2]json.RawMessage, len(o.T))
			for i := range o.T {
				pts[i] = [2]json.RawMessage{sourcetest.Number(float64(o.T[i].UnixMilli())), sourcetest.Number(o.V[i])}
			}
			var tagSet, scope []string
			for k, v := range o.Labels {
				scope = append(scope, k+":"+v)
				if k == sel.GroupBy {
					tagSet = append(tagSet, k+":"+v)
				}
			}
			series = append(series, map[string]any{"metric": m[2], "display_name": m[2], "expression": q.Get("query"),
				"aggr": m[1], "scope": strings.Join(scope, ","), "tag_set": tagSet, "interval": int(step.Seconds()),
				"length": len(pts), "start": o.T[0].UnixMilli(), "end": o.T[len(o.T)-1].Add(step).UnixMilli() - 1, "pointlist": pts, "unit": nil})
		}
		sourcetest.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "res_type": "time_series", "query": q.Get("query"),
			"from_date": from * 1000, "to_date": to * 1000, "group_by": []string{}, "message": "", "series": orEmpty(series)})
	}))
}

func orEmpty(s []map[string]any) []map[string]any {
	if s == nil {
		return []map[string]any{}
	}
	return s
}
