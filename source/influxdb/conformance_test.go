package influxdb

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/influxtest"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// start runs a real InfluxDB loaded with the suite's data in per-interval
// form: one point per track, measurement and interval, stamped at the
// interval's start.
func start(t testing.TB, d promtest.Data) string {
	u := influxtest.Start(t, "metrics")
	var lines []string
	for _, b := range sourcetest.Flat(d) {
		keys := make([]string, 0, len(b.Labels))
		for k := range b.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var tags strings.Builder
		for _, k := range keys {
			tags.WriteString("," + influxtest.Tag(k) + "=" + influxtest.Tag(b.Labels[k]))
		}
		for _, p := range b.Points {
			lines = append(lines, fmt.Sprintf("%s%s value=%g %d", b.Name, tags.String(), p.V, p.T.UnixMilli()))
		}
	}
	if err := influxtest.Write(u, "metrics", lines); err != nil {
		t.Fatal(err)
	}
	return u
}

const grouped = `SELECT sum("value") FROM "http_requests" WHERE {{scope}} AND {{timeFilter}} GROUP BY time({{interval}}), %s fill(none)`

func harness() sourcetest.Harness {
	return sourcetest.Harness{
		Type: "influxdb", Backend: Backend{}, Start: start,
		Config: func(o sourcetest.Options) json.RawMessage {
			pw := "secret"
			if o.BadAuth {
				pw = "wrong"
			}
			return json.RawMessage(fmt.Sprintf(`{"url":%q,"database":"metrics","timeout":%q,"retries":%d,"backoff":%q,"step":"15s","concurrency":%d,
				"username":"cj","password":%q}`, o.URL, o.Timeout, o.Retries, o.Backoff, o.Concurrency, pw))
		},
		Authorized: func(r *http.Request) bool {
			u, p, ok := r.BasicAuth()
			return ok && u == "cj" && p == "secret"
		},
		// InfluxDB 1.x with auth-enabled answers 401 {"error":"authorization
		// failed"} (influxdb services/httpd/handler.go).
		Refuse: func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"authorization failed"}`)
		},
		// InfluxDB Cloud answers a rate-limited query 429 with Retry-After
		// (docs.influxdata.com, "API rate limits": "HTTP 429 ... Retry-After").
		RateLimit: func(w http.ResponseWriter, reset time.Duration) {
			w.Header().Set("Retry-After", fmt.Sprint(int(reset.Seconds())))
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"code":"too many requests","message":"org exceeded its query rate limit"}`)
		},
		PolicyFile: "testdata/policy.yaml",
		Instances: []judge.Metric{
			{Name: "errors", Group: "errors", Kind: judge.KindCount, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query:      `SELECT sum("value") FROM "http_requests" WHERE {{scope}} AND "code" = '500' AND {{timeFilter}} GROUP BY time({{interval}}), "pod" fill(none)`,
				TotalQuery: fmt.Sprintf(grouped, `"pod"`)},
			{Name: "cpu", Group: "saturation", Kind: judge.KindGauge, InstanceLabel: "pod", Direction: judge.DirIncrease,
				Query: `SELECT mean("value") FROM "process_cpu" WHERE {{scope}} AND {{timeFilter}} GROUP BY time({{interval}}), "pod" fill(none)`},
		},
		Several: fmt.Sprintf(grouped, `"code"`),
		// InfluxQL has no exponent literals: 16 factors of 10^20 overflow.
		NonFinite: `SELECT sum("value")` + strings.Repeat(" * 100000000000000000000.0", 16) +
			` FROM "http_requests" WHERE {{scope}} AND {{timeFilter}} GROUP BY time({{interval}}) fill(none)`,
		NonFiniteFails: "InfluxDB 1.x encodes its answers with Go's encoding/json, which refuses +Inf: " +
			"an overflowing aggregate fails the whole answer",
	}
}

func TestConformance(t *testing.T) { sourcetest.Run(t, harness()) }

// TestEndToEnd: scheduled runs on PostgreSQL decide a healthy and a
// regressed canary from this backend.
func TestEndToEnd(t *testing.T) { sourcetest.E2E(t, harness()) }
