package judge

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// Every float a state holds comes back bit for bit, whichever kind the
// encoder chose for it: +0 (nothing), whole (a varint), or its bits (-0,
// NaN, infinities, fractions, and whole numbers too large for a varint).
func TestStateFloatsRoundTrip(t *testing.T) {
	specials := []float64{0, math.Copysign(0, -1), 1, -1, 240, 1<<53 - 1, -(1<<53 - 1), 1 << 53, -(1 << 53), 1e300,
		0.5, -2.25, math.NaN(), math.Float64frombits(0x7ff8000000000bad), math.Inf(1), math.Inf(-1), 5e-324, math.MaxFloat64}
	for i, x := range specials {
		y := specials[(i+7)%len(specials)]
		side := SideSummary{N: 3, Mean: x, SE: y, NEff: x, Events: y, Total: x, Scale: y, SS: x, Lags: [3]float64{y, x, y}}
		sum := MetricSummary{Name: "m", Class: ClassPass, Canary: side, Baseline: side}
		acc := &metricAcc{Windows: 1, S: x, Q: y, SE2: x, Finite: 1, First: &sum,
			C:  sideAcc{Windows: 1, N: 3, SumNM: x, SumN2V: y, NEff: x, SS: y, Lags: [3]float64{x, y, x}, Events: y, Total: x, RawE: y, RawT: x},
			Hi: &extreme{D: x, SE: y, Sum: sum}, Lo: &extreme{D: y, SE: x, Sum: sum}}
		r := Running{PolicyVersion: 1, Windows: 1, Acc: map[string]*metricAcc{"m": acc}, Streaks: map[string]int{}}
		b, err := r.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		got, err := UnmarshalState(b)
		if err != nil {
			t.Fatalf("%v and %v: %v", x, y, err)
		}
		g := got.Acc["m"]
		pairs := [][2]float64{{g.S, x}, {g.Q, y}, {g.C.SumNM, x}, {g.C.SumN2V, y}, {g.C.RawT, x}, {g.Hi.D, x}, {g.Lo.D, y},
			{g.First.Canary.Mean, x}, {g.Hi.Sum.Baseline.Lags[1], x}, {g.Lo.Sum.Canary.Scale, y}}
		for j, p := range pairs {
			if math.Float64bits(p[0]) != math.Float64bits(p[1]) {
				t.Errorf("%v and %v: float %d reads back as %v (bits %x), want bits %x", x, y, j, p[0], math.Float64bits(p[0]), math.Float64bits(p[1]))
			}
		}
	}
}

// The extremes' bytes change exactly when a window changes some metric's
// extremes (its highest or lowest window, its first, or the metrics that
// have any), and in a long steady release most windows change none: that
// is what lets a store keep them instead of rewriting them.
func TestExtremesChangeOnlyWithAnExtreme(t *testing.T) {
	p := decidePolicy()
	p.Mode = ModeSequential // keeps each metric's first window too
	r := rand.New(rand.NewPCG(5, 6))
	run := NewRunning(p, 1, nil)
	prev, _ := run.MarshalState()
	changed := 0
	for i := range 120 {
		res, _ := randomHealthy(t, p, r)
		start := t0.Add(time.Duration(i) * time.Minute)
		next := run.Advance(p, AnalysisInput{Policy: p, Result: res, Start: start, End: start.Add(time.Minute)}.Window())
		b, err := next.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		want := extremesOf(run) != extremesOf(next)
		if got := !slices.Equal(prev.Extremes, b.Extremes); got != want {
			t.Fatalf("window %d: extremes bytes changed %v, the extremes changed %v", i+1, got, want)
		}
		if want && i >= 40 {
			changed++
		}
		run, prev = next, b
	}
	t.Logf("the extremes changed in %d of the 80 windows from the 41st on", changed)
	if changed > 40 {
		t.Errorf("the extremes changed in %d of the 80 windows from the 41st on, want most windows to leave them", changed)
	}
}

// extremesOf is every metric's extremes, printed (an oracle apart from the
// encoder: fmt prints every float and sorts the maps).
func extremesOf(r Running) string {
	out := ""
	for _, k := range sortedKeys(r.Acc) {
		a := r.Acc[k]
		out += fmt.Sprintf("%s first=%#v hi=%#v lo=%#v\n", k, deref(a.First), derefX(a.Hi), derefX(a.Lo))
	}
	return out
}

func deref(s *MetricSummary) any {
	if s == nil {
		return nil
	}
	return *s
}

func derefX(x *extreme) any {
	if x == nil {
		return nil
	}
	return *x
}

// randomHealthy is a healthy window of the random releases' metrics.
func randomHealthy(t *testing.T, p Policy, r *rand.Rand) (*Result, string) {
	for {
		res, src := randomWindow(t, p, r)
		if res != nil && src == "" {
			return res, src
		}
	}
}

// A state's parts must belong together, and a state of another encoding
// version is an error (the engine then rebuilds it from the windows).
func TestStatePartsBelongTogether(t *testing.T) {
	p := decidePolicy()
	r := rand.New(rand.NewPCG(7, 8))
	run := NewRunning(p, 1, nil)
	var states []StateBytes
	for i := range 3 {
		res, _ := randomHealthy(t, p, r)
		start := t0.Add(time.Duration(i) * time.Minute)
		run = run.Advance(p, AnalysisInput{Policy: p, Result: res, Start: start, End: start.Add(time.Minute)}.Window())
		b, _ := run.MarshalState()
		states = append(states, b)
	}
	if _, err := UnmarshalState(states[2]); err != nil {
		t.Fatal(err)
	}
	empty, _ := NewRunning(p, 1, nil).MarshalState()
	for name, b := range map[string]StateBytes{
		"no extremes":                         {Sums: states[2].Sums},
		"extremes of a state without metrics": {Sums: states[2].Sums, Extremes: empty.Extremes},
		"version 2 sums":                      {Sums: append([]byte{2}, states[2].Sums[1:]...), Extremes: states[2].Extremes},
		"version 2 extremes":                  {Sums: states[2].Sums, Extremes: append([]byte{2}, states[2].Extremes[1:]...)},
		"a longer state's extremes":           {Sums: empty.Sums, Extremes: states[0].Extremes},
	} {
		if _, err := UnmarshalState(b); err == nil {
			t.Errorf("%s: decoded, want an error", name)
		}
	}
}
