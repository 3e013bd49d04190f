package randx

import (
	"math"
	"math/rand/v2"
	"testing"
)

// Each regime of each draw has the mean and variance of its distribution
// (20,000 draws: the sample mean is within 4 standard errors).
func TestMoments(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(name string, draw func() int, mean, variance float64) {
		t.Helper()
		const n = 20000
		var s, ss float64
		for range n {
			x := float64(draw())
			s += x
			ss += x * x
		}
		m := s / n
		v := ss/n - m*m
		if math.Abs(m-mean) > 4*math.Sqrt(variance/n) || math.Abs(v-variance) > 0.1*variance {
			t.Errorf("%s: mean %.4g variance %.4g, want %.4g and %.4g", name, m, v, mean, variance)
		}
	}
	for _, l := range []float64{0.3, 4, 29, 31, 500} {
		check("Poisson", func() int { return Poisson(r, l) }, l, l)
	}
	for _, c := range []struct {
		n int
		p float64
	}{{20, 0.3}, {1000, 0.005}, {1000, 0.995}, {1000, 0.4}} {
		np := float64(c.n) * c.p
		check("Binomial", func() int { return Binomial(r, c.n, c.p) }, np, np*(1-c.p))
	}
	if Poisson(r, 0) != 0 || Poisson(r, -1) != 0 || Binomial(r, 0, 0.5) != 0 || Binomial(r, 10, 1) != 10 || Binomial(r, 10, 0) != 0 {
		t.Error("edge cases: Poisson(0), Poisson(-1), Binomial(0, .5), Binomial(10, 1), Binomial(10, 0)")
	}
}
