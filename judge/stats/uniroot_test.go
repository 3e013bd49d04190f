package stats

import (
	"math"
	"testing"
)

// rInterval is R's wilcox.test normal-method interval and estimate, step for
// step, built from ShiftStat and Uniroot (the way a port of R or Kayenta
// would use them).
func rInterval(s *ShiftStat, alt Alternative, confLevel float64, correct bool) (lo, hi, est float64, err error) {
	mumin, mumax := s.Bounds()
	alpha := 1 - confLevel
	w := func(d float64) float64 { return s.Z(d, alt, correct) }
	wmin, wmax := w(mumin), w(mumax)
	root := func(zq float64) (float64, error) {
		flo := wmin - zq
		if flo <= 0 {
			return mumin, nil
		}
		fhi := wmax - zq
		if fhi >= 0 {
			return mumax, nil
		}
		r, _, err := Uniroot(func(d float64) float64 { return w(d) - zq }, mumin, mumax, flo, fhi, 1e-4, 1000)
		return r, err
	}
	lo, hi = math.Inf(-1), math.Inf(1)
	switch alt {
	case Greater:
		lo, err = root(-qnorm(alpha))
	case Less:
		hi, err = root(qnorm(alpha))
	default:
		if lo, err = root(-qnorm(alpha / 2)); err == nil {
			hi, err = root(qnorm(alpha / 2))
		}
	}
	if err != nil {
		return
	}
	w0 := func(d float64) float64 { return s.Z(d, alt, false) }
	est, _, err = Uniroot(w0, mumin, mumax, w0(mumin), w0(mumax), 1e-4, 1000)
	return
}

// TestUnirootReproducesR checks that ShiftStat.Z and Uniroot replay R's
// root finding exactly: same statistic at every point, same Brent steps.
func TestUnirootReproducesR(t *testing.T) {
	ref := loadRef(t)
	var n int
	var worst float64
	for i, c := range ref.Cases {
		if c.Method != MethodNormal || c.RError != "" {
			continue
		}
		ds := ref.Datasets[c.Dataset]
		s, err := NewShiftStat(floats(ds.X), floats(ds.Y))
		if err != nil {
			t.Fatal(err)
		}
		lo, hi, est, err := rInterval(s, c.Alternative, float64(c.ConfLevel), c.Correct)
		if err != nil {
			t.Errorf("%s: %v", c.name(i), err)
			continue
		}
		n++
		for k, pair := range [][2]float64{{lo, float64(c.ConfInt[0])}, {hi, float64(c.ConfInt[1])}, {est, float64(*c.Estimate)}} {
			// Brent's iterates only move if qnorm differs from R's in the
			// last bit; allow that much (roots near 0 need the absolute part).
			if !closeRel(pair[0], pair[1], 1e-12) && math.Abs(pair[0]-pair[1]) > 1e-14 {
				t.Errorf("%s: value %d = %.17g, R %.17g", c.name(i), k, pair[0], pair[1])
			}
			if d := math.Abs(pair[0] - pair[1]); d > worst && !math.IsInf(d, 0) && !math.IsNaN(d) {
				worst = d
			}
		}
	}
	t.Logf("%d normal-method cases replayed, worst difference %.3g", n, worst)
}
