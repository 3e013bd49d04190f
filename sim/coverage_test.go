//go:build !race

package sim

import (
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
// in which a metric's sequence EVER excludes its true effect must not be
// shown above the policy's alpha (0.05, each metric's budget over both of
// its bounds and every look): the exact 95 % interval of each metric's
// share must reach alpha.
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
	misses := make([][]string, releases)
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
	by := map[string]int{}
	for _, ms := range misses {
		for _, m := range ms {
			by[m]++
		}
	}
	for _, m := range p.Metrics {
		k := by[m.Name]
		lo, hi := clopperPearson(k, releases)
		t.Logf("%s: %d of %d releases had its sequence exclude its true effect at some look (%.2f %% [%.2f %%, %.2f %%]); alpha %.0f %%",
			m.Name, k, releases, 100*float64(k)/releases, 100*lo, 100*hi, 100*p.Alpha)
		if lo > p.Alpha {
			t.Errorf("%s: coverage broken: %d of %d, shown above alpha %g", m.Name, k, releases, p.Alpha)
		}
	}
}

// everExcludes runs release i and names the metrics whose sequence (over
// every window so far) excluded the true effect at some look.
func everExcludes(t *testing.T, p judge.Policy, sc Scenario, i, windows int) []string {
	r := NewRelease(p, sc, ReleaseRNG(77, StreamOf("coverage"), i))
	truth := map[string]float64{}
	for _, m := range p.Metrics {
		truth[m.Name] = r.canary.offset[m.Name] / r.baseline.offset[m.Name]
	}
	var ws []judge.Window
	missed := map[string]bool{}
	for w := 1; w <= windows; w++ {
		req := r.Window(w)
		res, err := judge.JudgeSides(p, req.Canary, req.Baseline)
		if err != nil {
			t.Error(err)
			return nil
		}
		ws = append(ws, judge.Window{Verdict: res.Verdict, Metrics: res.Summaries()})
		for _, s := range judge.Sequences(p, ws) {
			lo, hi := bound(s.Lower, math.Inf(-1)), bound(s.Upper, math.Inf(1))
			if truth[s.Name] < lo || truth[s.Name] > hi {
				missed[s.Name] = true
			}
		}
	}
	out := make([]string, 0, len(missed))
	for m := range missed {
		out = append(out, m)
	}
	return out
}

func bound(p *float64, def float64) float64 {
	if p == nil {
		return def
	}
	return *p
}
