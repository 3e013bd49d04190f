package datadog

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "datadog", Backend: Backend{}, Start: fixture,
		Config: func(o sourcetest.Options) json.RawMessage {
			app := "app-good"
			if o.BadAuth {
				app = "app-revoked"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"timeout":%q,"retries":%d,"backoff":%q,"step":"15s","concurrency":%d,
				"api_key":"api-good","app_key":%q}`, o.URL, o.Timeout, o.Retries, o.Backoff, o.Concurrency, app))
		},
		Authorized: func(r *http.Request) bool {
			return r.Header.Get("DD-API-KEY") == "api-good" && r.Header.Get("DD-APPLICATION-KEY") == "app-good"
		},
		// Datadog answers bad keys 403 {"errors": ["Forbidden"]} (API
		// reference, every endpoint's 403 response).
		Refuse: func(w http.ResponseWriter) {
			sourcetest.WriteJSON(w, http.StatusForbidden, map[string]any{"errors": []string{"Forbidden"}})
		},
		// Datadog's rate limits (docs.datadoghq.com/api/latest/rate-limits):
		// 429 with X-RateLimit-Limit, -Period, -Remaining, -Reset (seconds
		// until the reset) and -Name.
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			h := w.Header()
			h.Set("X-RateLimit-Limit", "1600")
			h.Set("X-RateLimit-Period", "3600")
			h.Set("X-RateLimit-Remaining", "0")
			h.Set("X-RateLimit-Reset", fmt.Sprint(int(reset.Seconds())))
			h.Set("X-RateLimit-Name", "query")
			sourcetest.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []string{"Rate limit of 1600 requests in 3600 seconds reached. Please try again later."}})
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      `sum:http.requests{code:500,{{scope}}} by {pod}.as_count().rollup(sum, {{step}})`,
				TotalQuery: `sum:http.requests{{{scope}}} by {pod}.as_count().rollup(sum, {{step}})`},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `avg:process.cpu{{{scope}}} by {pod}.rollup(avg, {{step}})`},
		},
		Several:   `sum:http.requests{{{scope}}} by {code}.as_count().rollup(sum, {{step}})`,
		NonFinite: `max:overflow{{{scope}}}.rollup(max, {{step}})`,
		Refuses:   func(v string) bool { return !tagValue.MatchString(v) },
	}
}

func TestConformance(t *testing.T) { sourcetest.Run(t, harness()) }

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from this backend.
func TestEndToEnd(t *testing.T) { sourcetest.E2E(t, harness()) }
