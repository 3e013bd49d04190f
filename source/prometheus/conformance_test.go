package prometheus

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// harness runs the conformance suite against a real Prometheus (Debian's
// prometheus package) loaded with the suite's data; start may be
// replaced to run it against another server of the same API.
func harness(start func(t testing.TB, d promtest.Data) string) sourcetest.Harness {
	return sourcetest.Harness{
		Type: "prometheus", Backend: Backend{}, Start: start,
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
		// Prometheus's web config answers a bad password with 401 and a
		// basic challenge (prometheus/exporter-toolkit web/handler.go).
		Refuse: func(w http.ResponseWriter) {
			w.Header().Set("WWW-Authenticate", "Basic")
			http.Error(w, "Unauthorized", http.StatusUnauthorized)
		},
		// A rate-limiting front (Mimir, Thanos, a gateway) answers 429
		// with Retry-After in seconds.
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			w.Header().Set("Retry-After", fmt.Sprint(int(reset.Seconds())))
			http.Error(w, "too many requests", http.StatusTooManyRequests)
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      `sum by (pod) (increase(http_requests_total{ {{scope}}, code="500" }[{{step}}]))`,
				TotalQuery: `sum by (pod) (increase(http_requests_total{ {{scope}} }[{{step}}]))`},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `sum by (pod) (rate(process_cpu_seconds_total{ {{scope}} }[{{step}}]))`},
		},
		Several:   `sum by (code) (increase(http_requests_total{ {{scope}} }[{{step}}]))`,
		NonFinite: `sum(increase(http_requests_total{ {{scope}} }[{{step}}])) / 0`,
	}
}

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	sourcetest.Run(t, harness(func(t testing.TB, d promtest.Data) string { return promtest.Start(t, d).URL }))
}

// TestConformanceVictoriaMetrics: the same suite, the same source, against
// a real VictoriaMetrics (Debian's victoria-metrics package), which speaks
// Prometheus's query API.
func TestConformanceVictoriaMetrics(t *testing.T) {
	sourcetest.Run(t, harness(promtest.StartVictoria))
}

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from a real Prometheus and from a real VictoriaMetrics,
// through the same source type.
func TestEndToEnd(t *testing.T) {
	t.Run("prometheus", func(t *testing.T) {
		sourcetest.E2E(t, harness(func(t testing.TB, d promtest.Data) string { return promtest.Start(t, d).URL }))
	})
	t.Run("victoriametrics", func(t *testing.T) { sourcetest.E2E(t, harness(promtest.StartVictoria)) })
}
