package report

import (
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

// TestQuantilesAgainstR: QuantilesOf matches R's quantile() (type 7) and
// mean() on the vectors of testdata/quantiles.R.
func TestQuantilesAgainstR(t *testing.T) {
	b, err := os.ReadFile("testdata/quantiles_r.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		X    []float64 `json:"x"`
		Q    []float64 `json:"q"`
		Mean float64   `json:"mean"`
	}
	if err := json.Unmarshal(b, &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		// A missing point (NaN) must not count.
		q := QuantilesOf(append(append([]float64{}, c.X...), math.NaN()))
		got := []float64{*q.Min, *q.Q1, *q.Median, *q.Q3, *q.Max, *q.Mean}
		want := append(append([]float64{}, c.Q...), c.Mean)
		for i := range want {
			if math.Abs(got[i]-want[i]) > 1e-12*math.Max(1, math.Abs(want[i])) {
				t.Errorf("x=%v: got %v, R says %v", c.X, got, want)
				break
			}
		}
		if q.N != len(c.X) {
			t.Errorf("x=%v: n=%d, want %d", c.X, q.N, len(c.X))
		}
	}
	if q := QuantilesOf([]float64{math.NaN()}); q.N != 0 || q.Min != nil || q.Mean != nil {
		t.Errorf("no finite point: %+v, want n=0 and no numbers", q)
	}
}

// TestBand: the allowance in the measure's units, open where the policy
// does not mind.
func TestBand(t *testing.T) {
	val := func(p *float64) any {
		if p == nil {
			return nil
		}
		return *p
	}
	for _, c := range []struct {
		measure      string
		dir          judge.Direction
		inc, dec     float64
		lower, upper any
		neutral      float64
	}{
		{judge.MeasureMeanRatio, judge.DirIncrease, 1.2, 0.9, nil, 1.2, 1},
		{judge.MeasureRateRatio, judge.DirDecrease, 1.1, 0.97, 0.97, nil, 1},
		{judge.MeasureMeanDiff, judge.DirEither, 0.002, 0.003, -0.003, 0.002, 0},
		{judge.MeasureCLES, judge.DirEither, 0.6, 0.4, 0.4, 0.6, 0.5},
	} {
		b := bandOf(judge.Effect{Measure: c.measure, AllowedIncrease: c.inc, AllowedDecrease: c.dec}, c.dir)
		if val(b.Lower) != c.lower || val(b.Upper) != c.upper || b.Neutral != c.neutral {
			t.Errorf("%s %s: [%v, %v] neutral %v; want [%v, %v] neutral %v", c.measure, c.dir, val(b.Lower), val(b.Upper), b.Neutral,
				c.lower, c.upper, c.neutral)
		}
	}
}

// TestSideValues: counts become per-point rates, points without traffic
// left out; a metric the side lacks is not found.
func TestSideValues(t *testing.T) {
	s := judge.Side{Series: judge.Samples{"lat": {1, 2}}, Counts: map[string]judge.Count{"err": {Events: []float64{1, 0, 3}, Total: []float64{100, 0, 50}}}}
	if xs, ok := sideValues(s, "err"); !ok || len(xs) != 2 || xs[0] != 0.01 || xs[1] != 0.06 {
		t.Errorf("err: %v %v, want [0.01 0.06]", xs, ok)
	}
	if xs, ok := sideValues(s, "lat"); !ok || len(xs) != 2 {
		t.Errorf("lat: %v %v", xs, ok)
	}
	if _, ok := sideValues(s, "cpu"); ok {
		t.Error("cpu found on a side without it")
	}
}
