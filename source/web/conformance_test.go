package web

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

const selectors = `"series":"$.data.result[*]","labels":"labels","points":"values","time":"[0]","value":"[1]"`

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "web", Backend: Backend{}, Start: fixture,
		Config: func(o sourcetest.Options) json.RawMessage {
			token := "good-token"
			if o.BadAuth {
				token = "expired-token"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"timeout":%q,"retries":%d,"backoff":%q,"step":"15s","concurrency":%d,
				"headers":{"X-Api-Token":%q},%s}`, o.URL, o.Timeout, o.Retries, o.Backoff, o.Concurrency, token, selectors))
		},
		Authorized: func(r *http.Request) bool { return r.Header.Get("X-Api-Token") == "good-token" },
		Refuse: func(w http.ResponseWriter) {
			sourcetest.WriteJSON(w, http.StatusUnauthorized, map[string]any{"status": "error", "error": "invalid token"})
		},
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			w.Header().Set("Retry-After", fmt.Sprint(int(reset.Seconds())))
			sourcetest.WriteJSON(w, http.StatusTooManyRequests, map[string]any{"status": "error", "error": "slow down"})
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      "GET /api/v1/series?name=http_requests&code=500&{{scope}}&group_by=pod&agg=sum&from={{start}}&to={{end}}&step={{step}}",
				TotalQuery: "GET /api/v1/series?name=http_requests&{{scope}}&group_by=pod&agg=sum&from={{start}}&to={{end}}&step={{step}}"},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `POST /api/v1/series {"name":"process_cpu","scope":{{scope}},"group_by":"pod","agg":"avg","from":{{start}},"to":{{end}},"step":{{step}}}`},
		},
		Several:   "GET /api/v1/series?name=http_requests&{{scope}}&group_by=code&agg=sum&from={{start}}&to={{end}}&step={{step}}",
		NonFinite: "GET /api/v1/series?name=overflow&app={{scope.app}}&track={{scope.track}}&from={{start}}&to={{end}}&step={{step}}",
	}
}

func TestConformance(t *testing.T) { sourcetest.Run(t, harness()) }

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from this backend.
func TestEndToEnd(t *testing.T) { sourcetest.E2E(t, harness()) }
