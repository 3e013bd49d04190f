package stats

import (
	"errors"
	"math"
	"testing"
)

func TestMannWhitneyErrors(t *testing.T) {
	nan, inf := math.NaN(), math.Inf(1)
	ok := []float64{1, 2, 3}
	with := func(f func(*Options)) Options {
		o := DefaultOptions()
		f(&o)
		return o
	}
	tests := []struct {
		name string
		x, y []float64
		opt  Options
		want error
	}{
		{"empty x", nil, ok, DefaultOptions(), ErrEmpty},
		{"empty y", ok, []float64{}, DefaultOptions(), ErrEmpty},
		{"NaN in x", []float64{1, nan}, ok, DefaultOptions(), ErrNonFinite},
		{"Inf in y", ok, []float64{-inf}, DefaultOptions(), ErrNonFinite},
		{"conf level 1", ok, ok, with(func(o *Options) { o.ConfLevel = 1 }), ErrOption},
		{"conf level negative", ok, ok, with(func(o *Options) { o.ConfLevel = -0.5 }), ErrOption},
		{"conf level NaN", ok, ok, with(func(o *Options) { o.ConfLevel = nan }), ErrOption},
		{"alternative", ok, ok, with(func(o *Options) { o.Alternative = "two.sided" }), ErrOption},
		{"exact mode", ok, ok, with(func(o *Options) { o.Exact = "yes" }), ErrOption},
		{"mu NaN", ok, ok, with(func(o *Options) { o.Mu = nan }), ErrOption},
		{"mu Inf", ok, ok, with(func(o *Options) { o.Mu = inf }), ErrOption},
		{"forced exact, both large", seq(201), shifted(seq(250), 0.25), with(func(o *Options) { o.Exact = ExactForce }), ErrOption},
		{"forced exact, too many pairs", seq(150), shifted(seq(30000), 0.25), with(func(o *Options) { o.Exact = ExactForce }), ErrOption},
		{"differences overflow", []float64{math.MaxFloat64}, []float64{-math.MaxFloat64, 0}, DefaultOptions(), ErrNonFinite},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := MannWhitney(tt.x, tt.y, tt.opt)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func shifted(v []float64, c float64) []float64 {
	for i := range v {
		v[i] += c
	}
	return v
}

func seq(n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = float64(i) + 0.5
	}
	return v
}

// TestAllTied: W and p are defined (p = 1), the interval is not.
func TestAllTied(t *testing.T) {
	for _, opt := range []Options{DefaultOptions(), {Alternative: Less, Exact: ExactForce, ConfInt: true}, {Mu: 1}} {
		x, y := []float64{4, 4, 4}, []float64{4, 4}
		if opt.Mu != 0 {
			x = []float64{5, 5, 5}
		}
		r, err := MannWhitney(x, y, opt)
		if !errors.Is(err, ErrAllTied) {
			t.Fatalf("%+v: err = %v", opt, err)
		}
		if r.W != 3 || r.PValue != 1 || r.HasEstimate || !math.IsNaN(r.Estimate) || r.Method != MethodNormal || !r.Ties {
			t.Errorf("%+v: result %+v", opt, r)
		}
	}
}

// TestDifferencesOverflow: the test stands, the interval cannot be computed.
func TestDifferencesOverflow(t *testing.T) {
	r, err := MannWhitney([]float64{math.MaxFloat64}, []float64{-math.MaxFloat64, 0}, DefaultOptions())
	if !errors.Is(err, ErrNonFinite) || r.W != 2 || math.Abs(r.PValue-2.0/3) > 1e-15 || r.HasEstimate {
		t.Fatalf("err = %v, result %+v", err, r)
	}
}

// TestZeroOptions: the zero Options mean two-sided, 0.95, auto, no
// correction and no interval.
func TestZeroOptions(t *testing.T) {
	r, err := MannWhitney([]float64{1, 2, 2}, []float64{0, 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Alternative != TwoSided || r.ConfLevel != 0.95 || r.Method != MethodNormal || r.HasEstimate || !math.IsNaN(r.ConfInt[0]) {
		t.Fatalf("%+v", r)
	}
	// Without correction: z = (W - nm/2)/sigma.
	if want := (r.W - 3) / rankSumSigma(3, 2, 6+6); r.Z != want {
		t.Errorf("z = %v, want %v", r.Z, want)
	}
}
