package sim

import (
	"context"
	"encoding/json"
	"math"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

func examplePolicy(t *testing.T) judge.Policy {
	t.Helper()
	data, err := os.ReadFile("../judge/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The generators produce what they claim: AR(1) noise with the asked-for
// lag-1 autocorrelation, error counts at the asked-for rate, and instance
// offsets whose difference has sd a third of the (log) allowance.
func TestGenerators(t *testing.T) {
	n := DefaultNoise()
	n.Phi, n.Points = 0.8, 4000
	g := sideGen{rng: ReleaseRNG(1, 2, 3), noise: n, points: n.Points}
	xs := g.ar1("x", n.Points)
	if r := lag1(xs); math.Abs(r-0.8) > 0.05 {
		t.Errorf("lag-1 autocorrelation %v, want 0.8", r)
	}
	p := examplePolicy(t)
	errs := p.Metrics[0]
	c := g.counts(errs, 0, 1, 1, g.ar1("errors", g.points))
	ev, tot := 0.0, 0.0
	for i := range c.Total {
		ev, tot = ev+c.Events[i], tot+c.Total[i]
	}
	if rate := ev / tot; math.Abs(rate-n.ErrorRate)/n.ErrorRate > 0.1 {
		t.Errorf("error rate %v, want %v", rate, n.ErrorRate)
	}
	var diffs []float64
	for i := range 4000 {
		rng := ReleaseRNG(9, 9, i)
		a, b := offsets(p, n, rng), offsets(p, n, rng)
		diffs = append(diffs, math.Log(a["errors"]/b["errors"]))
	}
	if sd, want := sd(diffs), math.Log(1.2)/3; math.Abs(sd-want)/want > 0.05 {
		t.Errorf("offset difference sd %v, want %v (a third of log 1.2)", sd, want)
	}
}

func lag1(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	num, den := 0.0, 0.0
	for i, x := range xs {
		den += (x - m) * (x - m)
		if i > 0 {
			num += (x - m) * (xs[i-1] - m)
		}
	}
	return num / den
}

func sd(xs []float64) float64 {
	m, v := 0.0, 0.0
	for _, x := range xs {
		m += x
	}
	m /= float64(len(xs))
	for _, x := range xs {
		v += (x - m) * (x - m)
	}
	return math.Sqrt(v / float64(len(xs)-1))
}

// The in-process engine and a real server over HTTP decide the same
// releases the same way.
func TestLocalAndHTTPAgree(t *testing.T) {
	p := examplePolicy(t)
	h := server.New(server.Config{}, server.Deps{Store: memory.New(), Registry: prometheus.NewRegistry(), Now: func() time.Time { return T0.Add(48 * time.Hour) }})
	srv := httptest.NewServer(h)
	defer srv.Close()
	var scs []Scenario
	for _, s := range Scenarios(p, DefaultNoise()) {
		if s.Name == "healthy_offsets" || s.Name == "errors_x2" || s.Name == "unhealthy_baseline" {
			scs = append(scs, s)
		}
	}
	o := Options{Seed: 5, Healthy: 6, Regressions: 6, Workers: 2}
	local, err := Simulate(context.Background(), NewLocal(), p, scs, o)
	if err != nil {
		t.Fatal(err)
	}
	remote, err := Simulate(context.Background(), NewHTTP(srv.URL, ""), p, scs, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range local {
		l, r := local[i], remote[i]
		if l.Promote != r.Promote || l.Rollback != r.Rollback || l.Escalate != r.Escalate || l.MedianWin != r.MedianWin {
			t.Errorf("%s: local %+v, HTTP %+v", l.Scenario, l, r)
		}
	}
	if local[1].Rollback != 6 || local[2].Escalate != 6 {
		t.Errorf("errors x2 rolled back %d of 6, unhealthy baselines escalated %d of 6", local[1].Rollback, local[2].Escalate)
	}
}

// Replay: an A/A recording (two baselines) promotes; a recorded bad canary
// rolls back; a broken line is named.
func TestReplay(t *testing.T) {
	p := examplePolicy(t)
	var lines []string
	for _, rel := range []struct {
		name string
		sc   Scenario
	}{{"aa-1", Scenario{Kind: Healthy, Noise: DefaultNoise()}}, {"bad-1", Scenario{Kind: Regression, Noise: DefaultNoise(),
		Canary: []Effect{{Metric: "errors", Factor: 4}}}}} {
		r := NewRelease(p, rel.sc, ReleaseRNG(3, 3, len(lines)))
		for w := 1; w <= 4; w++ {
			req := r.Window(w)
			b, err := json.Marshal(Recorded{Release: rel.name, Window: req.Window, Canary: req.Canary, Baseline: req.Baseline})
			if err != nil {
				t.Fatal(err)
			}
			lines = append(lines, string(b))
		}
	}
	recs, err := ReadRecorded(strings.NewReader(strings.Join(lines, "\n") + "\n\n"))
	if err != nil {
		t.Fatal(err)
	}
	row, outs, err := Replay(context.Background(), NewLocal(), p, recs)
	if err != nil {
		t.Fatal(err)
	}
	if row.Releases != 2 || outs[0].Action != judge.ActionPromote || outs[1].Action != judge.ActionRollback {
		t.Fatalf("replay: %+v %+v", row, outs)
	}
	if _, err := ReadRecorded(strings.NewReader(lines[0] + "\n{\"release\": 1}\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad line: %v", err)
	}
}
