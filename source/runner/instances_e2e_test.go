package runner_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/runner"
)

// podLatency is each pod's latency median (s). The canary's pods are as
// healthy as the baseline's, but c-3 runs on a slow machine.
var podLatency = map[string]float64{"b-1": 0.10, "b-2": 0.105, "b-3": 0.095, "c-1": 0.10, "c-2": 0.098, "c-3": 0.125}

// TestPerInstanceRunRealPrometheus: a scheduled run whose policy pulls
// every metric per pod (instance_label: pod) from a real Prometheus, on
// PostgreSQL. Each window's report names three instances per side with
// their spread. The slow pod is no regression: no window rolls back. But
// three pods with one 25 % slower leave the canary's latency unsettled
// (two degrees of freedom: its interval reaches past +20 %), so the
// release is promoted when its lifetime ends, saying so, not at window 3.
func TestPerInstanceRunRealPrometheus(t *testing.T) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	var tracks []promtest.Track
	for _, pod := range []string{"b-1", "b-2", "b-3", "c-1", "c-2", "c-3"} {
		tr := map[byte]string{'b': "baseline", 'c': "canary"}[pod[0]]
		tracks = append(tracks, promtest.Track{App: "pods", Track: tr, Pod: pod, RPS: 30, ErrorRatio: 0.005,
			LatencyMedian: podLatency[pod], CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97})
	}
	prom := promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(70 * time.Minute), Scrape: 15 * time.Second, Tracks: tracks, Seed: 5})
	s := newStack(t, pgtest.Open(t))
	rel := s.releaseWith(t, "pods", prom.URL, "../prometheus/testdata/policy_instances.yaml")
	run := runOf(s, t, rel, "pods", t0)
	s.start(t, runner.Options{Workers: 2})
	v := s.await(t, run)
	if v.Status != "SUCCEEDED" || v.Decision == nil || v.Decision.Action != "promote" || v.Decision.Reason != "lifetime_complete" ||
		v.Windows.Done != 8 || !strings.Contains(v.Reason, "not settled: latency_p99 mean_ratio") || !strings.Contains(v.Reason, "never settled, but its estimate lies within the allowance") {
		t.Fatalf("%s after %d windows, decision %+v (%s); want SUCCEEDED / promote (lifetime_complete) at window 8, latency_p99 unsettled", v.Status, v.Windows.Done, v.Decision, v.Reason)
	}
	for w := 1; w <= v.Windows.Done; w++ {
		var rep struct {
			Metrics []struct {
				Name             string
				Canary, Baseline struct {
					Instances   int
					Spread      *float64
					PerInstance map[string]any `json:"per_instance"`
				}
			}
		}
		s.mustDo(t, "GET", fmt.Sprintf("/v1/releases/%s/report?window=%d", rel, w), nil, 200, &rep)
		if len(rep.Metrics) != 4 {
			t.Fatalf("window %d: report has %d metrics, want 4", w, len(rep.Metrics))
		}
		for _, m := range rep.Metrics {
			c, b := m.Canary, m.Baseline
			if c.Instances != 3 || b.Instances != 3 || c.Spread == nil || b.Spread == nil || len(c.PerInstance) != 3 || c.PerInstance["c-3"] == nil {
				t.Errorf("window %d %s: canary %d instances (spread %v, %d listed), baseline %d (spread %v); want the 3 pods of each side and their spread",
					w, m.Name, c.Instances, c.Spread, len(c.PerInstance), b.Instances, b.Spread)
			}
		}
	}
}
