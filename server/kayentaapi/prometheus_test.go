package kayentaapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
)

// A kayenta-mode policy over Prometheus: {{scope}} takes each side's
// label matchers.
const promPolicy = `{"mode":"kayenta","thresholds":{"pass":90,"marginal":75},
 "groups":{"latency":50,"errors":50},
 "metrics":[
  {"name":"latency_p99","group":"latency","direction":"increase",
   "query":"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{ {{scope}} }[1m])))"},
  {"name":"error_ratio","group":"errors","direction":"increase","nan_strategy":"replace",
   "query":"sum(rate(http_requests_total{ {{scope}}, code=~\"5..\" }[1m])) / sum(rate(http_requests_total{ {{scope}} }[1m]))"}]}`

// The Kayenta-compatible API end to end against a real Prometheus (data
// loaded with promtool, hours in the past so nothing waits): the
// metricsAccountName names the configured source, the scopes are label
// matchers. A healthy canary scores >= pass, one with 5x the error ratio
// and +40 % latency < marginal.
func TestKayentaOverRealPrometheus(t *testing.T) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	base := promtest.Track{App: "checkout", Track: "baseline", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
	healthy, bad := base, base
	// Kayenta's classifier (reproduced exactly) fails even a 3 % latency
	// shift on dense, autocorrelated series; the healthy canary here is the
	// baseline's twin with its own noise.
	healthy.Track = "healthy"
	bad.Track, bad.ErrorRatio, bad.LatencyMedian = "bad", 5*base.ErrorRatio, 1.4*base.LatencyMedian
	prom := promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(40 * time.Minute), Scrape: 15 * time.Second,
		Tracks: []promtest.Track{base, healthy, bad}, Seed: 13})

	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/sources/prom", fmt.Sprintf(`{"type":"prometheus","config":{"url":%q,"step":"15s"}}`, prom.URL))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", promPolicy)
	start, end := t0.Add(10*time.Minute).Format(time.RFC3339), t0.Add(30*time.Minute).Format(time.RFC3339)
	scope := func(s string) string {
		return fmt.Sprintf(`{"scope":%q,"region":"us-east-1","step":15,"start":%q,"end":%q}`, s, start, end)
	}
	for track, ok := range map[string]func(float64) bool{
		"healthy": func(s float64) bool { return s >= 90 },
		"bad":     func(s float64) bool { return s < 75 },
	} {
		var ex struct{ CanaryExecutionID string }
		cj.MustDo(t, 200, "POST", "/kayenta/canary/checkout?application=checkout&metricsAccountName=prom&configurationAccountName=x&storageAccountName=x",
			`{"scopes":{"default":{"controlScope":`+scope("app=checkout,track=baseline")+`,"experimentScope":`+scope("app=checkout and track="+track)+
				`}},"thresholds":{"pass":90,"marginal":75}}`).Decode(t, &ex)
		var st status
		cj.MustDo(t, 200, "GET", "/kayenta/canary/"+ex.CanaryExecutionID, nil).Decode(t, &st)
		if st.Result == nil {
			t.Fatalf("%s: no result: %+v", track, st.Exception)
		}
		s := st.Result.JudgeResult.Score
		t.Logf("%s canary: score %v (%s): %s", track, s.Score, s.Classification, s.ClassificationReason)
		for _, m := range st.Result.JudgeResult.Results {
			t.Logf("  %s: %s (%s)", m.Name, m.Classification, m.ClassificationReason)
		}
		if !ok(s.Score) {
			t.Errorf("%s canary scored %v", track, s.Score)
		}
	}
}
