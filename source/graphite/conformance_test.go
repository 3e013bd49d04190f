package graphite

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/graphitetest"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// start runs a real graphite-web over whisper files holding the suite's
// data in per-interval form, as tagged series (name and labels as tags).
func start(t testing.TB, d promtest.Data) string {
	var ss []graphitetest.Series
	for _, b := range sourcetest.Flat(d) {
		s := graphitetest.Series{Name: b.Name, Tags: b.Labels}
		for _, p := range b.Points {
			s.Points = append(s.Points, [2]float64{float64(p.T.Unix()), p.V})
		}
		ss = append(ss, s)
	}
	return graphitetest.Start(t, ss, sourcetest.Step, 6*time.Hour)
}

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "graphite", Backend: Backend{}, Start: start,
		Config: func(o sourcetest.Options) json.RawMessage {
			pw := "secret"
			if o.BadAuth {
				pw = "wrong"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"timeout":%q,"retries":%d,"backoff":%q,"step":"15s","concurrency":%d,
				"basic_auth":{"username":"cj","password":%q}}`, o.URL, o.Timeout, o.Retries, o.Backoff, o.Concurrency, pw))
		},
		Authorized: func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "cj" && p == "secret"
		},
		// graphite-web behind an authenticating proxy (or a hosted
		// Graphite) answers 401 with a basic challenge.
		Refuse: func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", `Basic realm="graphite"`)
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		},
		// A hosted Graphite's rate limit: 429 with Retry-After.
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			w.Header().Set("Retry-After", fmt.Sprint(int(reset.Seconds())))
			http.Error(w, "too many requests", http.StatusTooManyRequests)
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      `groupByTags(seriesByTag('name=http_requests','code=500',{{scope}}),'sum','pod')`,
				TotalQuery: `groupByTags(seriesByTag('name=http_requests',{{scope}}),'sum','pod')`},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `groupByTags(seriesByTag('name=process_cpu',{{scope}}),'average','pod')`},
		},
		Several:   `groupByTags(seriesByTag('name=http_requests',{{scope}}),'sum','code')`,
		NonFinite: `scale(scale(sumSeries(seriesByTag('name=http_requests',{{scope}})),1e308),1e308)`,
		Refuses: func(v string) bool {
			_, err := Expressions(map[string]string{"app": v})
			return err != nil
		},
	}
}

// TestGraphite runs the conformance suite and the end-to-end test (scheduled
// runs on PostgreSQL deciding a healthy and a regressed canary) on one
// graphite-web: starting one takes most of 20 s (Django's migrations and
// loading the whisper files), so both share it while the dataset is the
// same (it is, unless the hour turns in between).
func TestGraphite(t *testing.T) {
	h := harness()
	started := map[time.Time]string{}
	h.Start = func(_ testing.TB, d promtest.Data) string {
		if started[d.Start] == "" {
			started[d.Start] = start(t, d)
		}
		return started[d.Start]
	}
	t.Run("conformance", func(t *testing.T) { sourcetest.Run(t, h) })
	t.Run("end_to_end", func(t *testing.T) { sourcetest.E2E(t, h) })
}
