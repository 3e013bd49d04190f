package newrelic

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "newrelic", Backend: Backend{}, Start: fixture,
		Config: func(o sourcetest.Options) json.RawMessage {
			key := "NRAK-GOOD"
			if o.BadAuth {
				key = "NRAK-REVOKED"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"timeout":%q,"retries":%d,"backoff":%q,"step":"15s","concurrency":%d,
				"account_id":4242,"api_key":%q}`, o.URL+"/graphql", o.Timeout, o.Retries, o.Backoff, o.Concurrency, key))
		},
		Authorized: func(r *http.Request) bool { return r.Header.Get("API-Key") == "NRAK-GOOD" },
		// NerdGraph refuses a bad key with 401 and a GraphQL error list.
		Refuse: func(w http.ResponseWriter) {
			sourcetest.WriteJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]any{{"message": "Invalid API key"}}})
		},
		// NerdGraph's rate limit answers 429 with Retry-After.
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			w.Header().Set("Retry-After", fmt.Sprint(int(reset.Seconds())))
			sourcetest.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"errors": []map[string]any{{"message": "Too many requests"}}})
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      "SELECT sum(http.requests) FROM Metric WHERE {{scope}} AND `code` = '500' FACET pod TIMESERIES {{step}} {{window}}",
				TotalQuery: "SELECT sum(http.requests) FROM Metric WHERE {{scope}} FACET pod TIMESERIES {{step}} {{window}}"},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: "SELECT average(process.cpu) FROM Metric WHERE {{scope}} FACET pod TIMESERIES {{step}} {{window}}"},
		},
		Several:   "SELECT sum(http.requests) FROM Metric WHERE {{scope}} FACET code TIMESERIES {{step}} {{window}}",
		NonFinite: "SELECT max(overflow) FROM Metric WHERE {{scope}} TIMESERIES {{step}} {{window}}",
		Refuses: func(v string) bool {
			return strings.ContainsAny(v, `'\`) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f })
		},
	}
}

func TestConformance(t *testing.T) { sourcetest.Run(t, harness()) }

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from this backend.
func TestEndToEnd(t *testing.T) { sourcetest.E2E(t, harness()) }
