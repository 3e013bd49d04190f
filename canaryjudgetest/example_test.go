package canaryjudgetest_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
)

// What a deploy-tool team writes: their tool's canary loop (deployTool
// below stands for it) runs against a real canaryjudge, and the test
// checks that the tool acts on the answers: a healthy canary is promoted,
// a bad one is rolled back to the baseline version and reported done.
func TestExampleDeployToolFollowsTheDecision(t *testing.T) {
	clk := &testClock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", checkoutPolicy)

	for _, tc := range []struct {
		name       string
		errorRatio float64 // the canary's error ratio; the baseline's is ~0.1 %
		want       string
	}{
		{"healthy canary", 0.001, "promoted v2"},
		{"bad canary", 0.08, "rolled back to v1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tool := deployTool{cj: cj, clock: clk, errorRatio: tc.errorRatio}
			if got := tool.rollout(t, "v1", "v2"); got != tc.want {
				t.Fatalf("the deploy tool ended with %q, want %q", got, tc.want)
			}
		})
	}
}

// deployTool is the team's code under test: create a release, send a
// window of metrics every interval, act on the decision.
type deployTool struct {
	cj         *canaryjudgetest.Server
	clock      *testClock
	errorRatio float64
}

func (d deployTool) rollout(t *testing.T, baseline, version string) string {
	var rel struct{ ID string }
	d.cj.MustDo(t, 201, "POST", "/v1/releases", map[string]any{
		"service": "checkout", "version": version, "baseline_version": baseline}).Decode(t, &rel)
	for window := 1; window <= 10; window++ {
		d.clock.Advance(5 * time.Minute)
		var out struct {
			Decision struct {
				Action, Reason string
				RollbackTo     string `json:"rollback_to"`
			}
		}
		body := map[string]any{
			"canary":   map[string][]float64{"error_ratio": series(uint64(window), d.errorRatio)},
			"baseline": map[string][]float64{"error_ratio": series(uint64(window)+100, 0.001)},
		}
		d.cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/analyses", body).Decode(t, &out)
		switch out.Decision.Action {
		case "promote":
			d.cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/events", map[string]string{"type": "promoted"})
			return "promoted " + version
		case "rollback":
			// ... the tool rolls back here, then reports it:
			d.cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/events", map[string]string{"type": "rollback_started"})
			d.cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/events", map[string]string{"type": "rollback_completed"})
			return "rolled back to " + out.Decision.RollbackTo
		case "escalate":
			return "paged a human: " + out.Decision.Reason
		}
	}
	return "still waiting"
}

const checkoutPolicy = `{"metrics":[{"name":"error_ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05,
  "effect_size":{"measure":"mean_diff","allowed_increase":0.005}}],
 "windows":{"interval":"5m","min_windows":3,"min_bake":"15m","consecutive_failures":2,"consecutive_nodata":3},
 "guards":{"rollback_cap":{"per_service":3,"fleet":10,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}}`

// series is 30 points of an error ratio around level, with noise.
func series(seed uint64, level float64) []float64 {
	r := rand.New(rand.NewPCG(seed, 1))
	out := make([]float64, 30)
	for i := range out {
		out[i] = math.Max(0, math.Round(level*(1+0.3*r.NormFloat64())*1e5)/1e5)
	}
	return out
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// With authentication on, as in production, requests without the token
// are refused and Do sends it.
func TestServerWithAdminToken(t *testing.T) {
	const token = "test-admin-token-0123456789abcdef"
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithAdminToken(token))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", checkoutPolicy)
	anon := canaryjudgetest.Server{URL: cj.URL}
	if r := anon.Do(t, "GET", "/v1/services/checkout/policy", nil); r.Status != 401 {
		t.Fatalf("without a token: %d, want 401: %s", r.Status, r.Body)
	}
	var got struct{ Version int }
	cj.MustDo(t, 200, "GET", "/v1/services/checkout/policy", nil).Decode(t, &got)
	if got.Version != 1 {
		t.Fatalf("policy version %d, want 1", got.Version)
	}
}
