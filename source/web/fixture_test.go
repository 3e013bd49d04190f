package web

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// fixture is a metrics API of the kind teams put in front of their own
// store: GET /api/v1/series?name=METRIC&LABEL=VALUE...&group_by=LABEL&agg=sum|avg|max&from=S&to=S&step=S,
// or POST /api/v1/series with {"name", "scope": {LABEL: VALUE}, "filters",
// "group_by", "agg", "from", "to", "step"}, answering
// {"status": "ok", "data": {"result": [{"labels": {...}, "values": [[t, "v"], ...]}]}}
// with values as strings ("+Inf", "-Inf", "NaN" included) stamped at the
// start of their interval, as Prometheus-style APIs write them.
func fixture(t testing.TB, d promtest.Data) string {
	flat := sourcetest.Flat(d)
	return sourcetest.Serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/v1/series" {
			http.NotFound(w, r)
			return
		}
		sel, from, to, step, ok := readSelect(r)
		if !ok {
			sourcetest.WriteJSON(w, http.StatusBadRequest, map[string]any{"status": "error", "error": "bad series request"})
			return
		}
		result := []map[string]any{}
		for _, o := range sourcetest.Eval(flat, sel, from, to, step) {
			vals := make([][2]any, len(o.T))
			for i := range o.T {
				vals[i] = [2]any{o.T[i].Unix(), str(o.V[i])}
			}
			result = append(result, map[string]any{"labels": o.Labels, "values": vals})
		}
		sourcetest.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "data": map[string]any{"result": result}})
	}))
}

func readSelect(r *http.Request) (sourcetest.Select, time.Time, time.Time, time.Duration, bool) {
	var body struct {
		Name    string            `json:"name"`
		GroupBy string            `json:"group_by"`
		Agg     string            `json:"agg"`
		Scope   map[string]string `json:"scope"`
		Filters map[string]string `json:"filters"`
		From    int64             `json:"from"`
		To      int64             `json:"to"`
		Step    int64             `json:"step"`
	}
	switch r.Method {
	case http.MethodPost:
		dec := json.NewDecoder(r.Body)
		dec.DisallowUnknownFields()
		if dec.Decode(&body) != nil {
			return sourcetest.Select{}, time.Time{}, time.Time{}, 0, false
		}
	case http.MethodGet:
		q := r.URL.Query()
		body.Name, body.GroupBy, body.Agg = q.Get("name"), q.Get("group_by"), q.Get("agg")
		body.From, _ = strconv.ParseInt(q.Get("from"), 10, 64)
		body.To, _ = strconv.ParseInt(q.Get("to"), 10, 64)
		body.Step, _ = strconv.ParseInt(q.Get("step"), 10, 64)
		body.Filters = filters(q)
	}
	sel := sourcetest.Select{Name: body.Name, GroupBy: body.GroupBy, Agg: body.Agg, Filters: map[string]string{}}
	for k, v := range body.Scope {
		sel.Filters[k] = v
	}
	for k, v := range body.Filters {
		sel.Filters[k] = v
	}
	ok := sel.Name != "" && body.Step > 0 && body.To > body.From
	return sel, time.Unix(body.From, 0), time.Unix(body.To, 0), time.Duration(body.Step) * time.Second, ok
}

func filters(q url.Values) map[string]string {
	out := map[string]string{}
	for k, vs := range q {
		switch k {
		case "name", "group_by", "agg", "from", "to", "step":
		default:
			out[k] = vs[0]
		}
	}
	return out
}

func str(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
