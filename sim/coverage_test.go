//go:build !race

package sim

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
)

// TestSequenceCoverage: the confidence sequences are anytime-valid. Over
// 10,000 simulated releases with no regression (instance offsets on, so
// every metric's true effect is the known ratio of the two sides' levels),
// each checked at every one of 30 one-minute windows, the share of releases
// in which ANY metric's sequence EVER excludes its true effect must stay
// at or below the policy's alpha (0.05, split over 4 metrics x 2 bounds).
// Left out of the race run (scripts/test.sh runs it without -race).
func TestSequenceCoverage(t *testing.T) {
	data, err := os.ReadFile("../judge/testdata/policy_sequential.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var sc Scenario
	for _, s := range Scenarios(p, DefaultNoise()) {
		if s.Name == "healthy_offsets" {
			sc = s
		}
	}
	const releases, windows = 10000, 30
	misses := make([]string, releases)
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range next {
				misses[i] = everExcludes(t, p, sc, i, windows)
			}
		})
	}
	for i := range releases {
		next <- i
	}
	close(next)
	wg.Wait()
	k, by := 0, map[string]int{}
	for _, m := range misses {
		if m != "" {
			k++
			by[m]++
		}
	}
	t.Logf("first exclusion by metric and window: %v", by)
	_, hi := clopperPearson(k, releases)
	t.Logf("%d of %d releases had a sequence exclude its true effect at some look (%.2f %%, 95 %% upper bound %.2f %%); alpha %.0f %%",
		k, releases, 100*float64(k)/releases, 100*hi, 100*p.Alpha)
	if float64(k)/releases > p.Alpha {
		t.Errorf("coverage broken: %d of %d > alpha %g", k, releases, p.Alpha)
	}
}

// everExcludes runs release i and names the first metric whose sequence
// (over every window so far) excluded the true effect, and where ("" if
// none ever did).
func everExcludes(t *testing.T, p judge.Policy, sc Scenario, i, windows int) string {
	r := NewRelease(p, sc, ReleaseRNG(77, StreamOf("coverage"), i))
	truth := map[string]float64{}
	for _, m := range p.Metrics {
		truth[m.Name] = r.canary.offset[m.Name] / r.baseline.offset[m.Name]
	}
	var ws []judge.Window
	for w := 1; w <= windows; w++ {
		req := r.Window(w)
		res, err := judge.JudgeSides(p, req.Canary, req.Baseline)
		if err != nil {
			t.Error(err)
			return ""
		}
		ws = append(ws, judge.Window{Verdict: res.Verdict, Metrics: res.Summaries()})
		for _, s := range judge.Sequences(p, ws) {
			lo, hi := bound(s.Lower, math.Inf(-1)), bound(s.Upper, math.Inf(1))
			if truth[s.Name] < lo || truth[s.Name] > hi {
				side := "below"
				if truth[s.Name] > hi {
					side = "above"
				}
				return fmt.Sprintf("%s truth %s w%d", s.Name, side, min(w, 6))
			}
		}
	}
	return ""
}

func bound(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
