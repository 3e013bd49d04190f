package stats

import (
	"errors"
	"math"
	"slices"
	"testing"

	"pgregory.net/rapid"
)

// gridSample draws values on a grid of quarters in [-40, 40], so that sums
// and differences are exact in float64 and ties are common.
func gridSample(t *rapid.T, label string, maxLen int) []float64 {
	q := rapid.SliceOfN(rapid.IntRange(-160, 160), 1, maxLen).Draw(t, label)
	v := make([]float64, len(q))
	for i, k := range q {
		v[i] = float64(k) / 4
	}
	return v
}

// anySample mixes grid values, arbitrary finite floats and extremes.
func anySample(t *rapid.T, label string, maxLen int) []float64 {
	gen := rapid.OneOf(
		rapid.Map(rapid.IntRange(-8, 8), func(k int) float64 { return float64(k) }),
		rapid.Float64Range(-1e6, 1e6),
		rapid.SampledFrom([]float64{0, math.Copysign(0, -1), 1e300, -1e300, 1e-300, math.MaxFloat64, -math.MaxFloat64, 5e-324}),
	)
	return rapid.SliceOfN(gen, 1, maxLen).Draw(t, label)
}

func allDiffs(x, y []float64) []float64 {
	d := make([]float64, 0, len(x)*len(y))
	for _, a := range x {
		for _, b := range y {
			d = append(d, a-b)
		}
	}
	slices.Sort(d)
	return d
}

func TestKthMatchesSortedDifferences(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := anySample(t, "x", 40), anySample(t, "y", 40)
		p := newPairs(sortedCopy(x), sortedCopy(y))
		d := allDiffs(x, y)
		for k := range d {
			if got := p.kth(int64(k + 1)); got != d[k] && !(math.IsNaN(got) && math.IsNaN(d[k])) {
				t.Fatalf("kth(%d) = %v, sorted differences have %v", k+1, got, d[k])
			}
		}
	})
}

// TestKthLarge checks the sampled-pivot path against brute force.
func TestKthLarge(t *testing.T) {
	x, y := benchData(300)
	y = append(y[:200], slices.Repeat([]float64{115}, 100)...) // a block of ties
	p := newPairs(sortedCopy(x), sortedCopy(y))
	d := allDiffs(x, y)
	for _, k := range []int{1, 2, 1000, 2250, 45000, 45001, 60000, 87750, len(d) - 1, len(d)} {
		if got := p.kth(int64(k)); got != d[k-1] {
			t.Errorf("kth(%d) = %v, want %v", k, got, d[k-1])
		}
	}
}

func drawOptions(t *rapid.T) Options {
	return Options{
		Alternative: rapid.SampledFrom([]Alternative{TwoSided, Greater, Less}).Draw(t, "alt"),
		Mu:          float64(rapid.IntRange(-8, 8).Draw(t, "mu4")) / 4,
		ConfLevel:   rapid.SampledFrom([]float64{0.5, 0.8, 0.9, 0.95, 0.99}).Draw(t, "conf"),
		Exact:       rapid.SampledFrom([]ExactMode{ExactAuto, ExactForce, ExactNormal}).Draw(t, "exact"),
		Correct:     rapid.Bool().Draw(t, "correct"),
		ConfInt:     true,
	}
}

func TestMannWhitneyProperties(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := gridSample(t, "x", 30), gridSample(t, "y", 30)
		opt := drawOptions(t)
		r, err := MannWhitney(x, y, opt)
		if err != nil && !errors.Is(err, ErrAllTied) {
			t.Fatal(err)
		}
		nm := float64(len(x) * len(y))
		if math.IsNaN(r.PValue) || r.PValue < 0 || r.PValue > 1 {
			t.Fatalf("p = %v", r.PValue)
		}
		// W counts pairs with x - mu above y; the swapped test counts the rest.
		swapped := opt
		swapped.Mu = -opt.Mu
		r2, _ := MannWhitney(y, x, swapped)
		if r.W+r2.W != nm {
			t.Fatalf("W + W' = %v + %v, want n·m = %v", r.W, r2.W, nm)
		}
		if err != nil {
			return
		}
		lo, hi := r.ConfInt[0], r.ConfInt[1]
		// Below 50% a one-sided interval need not hold the estimate.
		if opt.ConfLevel >= 0.5 && !(lo <= r.Estimate && r.Estimate <= hi) {
			t.Fatalf("interval %v does not hold estimate %v", r.ConfInt, r.Estimate)
		}
		// Shifting x (and mu) by c keeps the test and shifts the estimate and
		// interval by c (exact on the grid).
		c := float64(rapid.IntRange(-40, 40).Draw(t, "c4")) / 4
		xc := make([]float64, len(x))
		for i, v := range x {
			xc[i] = v + c
		}
		optc := opt
		optc.Mu += c
		rc, err := MannWhitney(xc, y, optc)
		if err != nil {
			t.Fatal(err)
		}
		if rc.W != r.W || rc.PValue != r.PValue {
			t.Fatalf("shift by %v: W %v → %v, p %v → %v", c, r.W, rc.W, r.PValue, rc.PValue)
		}
		if rc.Estimate != r.Estimate+c || rc.ConfInt[0] != lo+c || rc.ConfInt[1] != hi+c {
			t.Fatalf("shift by %v: estimate %v → %v, interval %v → %v", c, r.Estimate, rc.Estimate, r.ConfInt, rc.ConfInt)
		}
	})
}

// TestNormalIntervalIsTheJump checks the claim normalConfInt rests on: the
// lower end L is the difference at which R's W(d) first drops below the
// quantile, judged at midpoints between consecutive distinct differences,
// which is where uniroot's iterates land. Where W equals the quantile on a
// whole stretch (a 50% one-sided interval), the end is that stretch's middle.
func TestNormalIntervalIsTheJump(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		x, y := gridSample(t, "x", 25), gridSample(t, "y", 25)
		opt := drawOptions(t)
		opt.Exact, opt.Alternative = ExactNormal, Greater
		r, err := MannWhitney(x, y, opt)
		if err != nil {
			t.Skip(err)
		}
		s, _ := NewShiftStat(x, y)
		zq := -qnorm(1 - opt.ConfLevel)
		d := slices.Compact(allDiffs(x, y))
		want := d[len(d)-1]
		for i := 0; i+1 < len(d); i++ {
			mid := (d[i] + d[i+1]) / 2
			if z := s.Z(mid, Greater, opt.Correct); z <= zq {
				want = d[i]
				if z == zq {
					want = mid
				}
				break
			}
		}
		if r.ConfInt[0] != want {
			t.Fatalf("lower end %v, W first drops below %v after %v", r.ConfInt[0], zq, want)
		}
	})
}

func TestInputsNotModified(t *testing.T) {
	x := []float64{3, 1, 2, 2, 5}
	y := []float64{4, 0, 2}
	x0, y0 := slices.Clone(x), slices.Clone(y)
	if _, err := MannWhitney(x, y, DefaultOptions()); err != nil {
		t.Fatal(err)
	}
	if _, err := NewShiftStat(x, y); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, x0) || !slices.Equal(y, y0) {
		t.Fatalf("inputs changed: %v %v", x, y)
	}
}
