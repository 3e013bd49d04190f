//go:build !race

package sim

import (
	"math"
	"os"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
)

// The pooled estimate of a sustained effect is centred on the truth: over
// 1,500 releases of doubled error ratios (the ratio family, one instance
// per side, 12 ten-minute windows), the mean of the pooled mean_diff
// differs from the mean of each release's own effect (its offsets
// included) by less than 5 %, at every window count from 3 to 12. Pooling
// that left out the failing windows, or always the worst one, was biased
// towards pass, and more the longer a regression ran.
func TestPooledEstimateIsUnbiased(t *testing.T) {
	data, err := os.ReadFile("../judge/testdata/ratio/default_10m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var sc Scenario
	for _, s := range RatioScenarios(p, RatioNoise()) {
		if s.Name == "errors_x2" {
			sc = s
		}
	}
	const n = 1500
	est := make([]float64, 13)
	truth := 0.0
	for i := range n {
		gen := NewRelease(p, sc, ReleaseRNG(11, StreamOf(sc.Name), i))
		tr, _ := gen.truth()
		truth += tr / n
		var ws []judge.Window
		for w := 1; w <= 12; w++ {
			req := gen.Window(w)
			res, err := judge.JudgeSides(p, req.Canary, req.Baseline)
			if err != nil {
				t.Fatal(err)
			}
			ws = append(ws, judge.Window{Verdict: res.Verdict, Metrics: res.Summaries()})
			if w < 3 {
				continue
			}
			for _, m := range judge.Pooled(p, ws).Metrics {
				if m.Name == "error_ratio" && m.Effect.Value != nil {
					est[w] += *m.Effect.Value / n
				}
			}
		}
	}
	for w := 3; w <= 12; w++ {
		if rel := (est[w] - truth) / truth; math.Abs(rel) > 0.05 {
			t.Errorf("window %d: mean pooled estimate %.6f, mean truth %.6f (%+.1f %%)", w, est[w], truth, 100*rel)
		}
	}
	t.Logf("mean truth %.6f; mean pooled estimate at windows 3, 6, 12: %.6f, %.6f, %.6f", truth, est[3], est[6], est[12])
}
