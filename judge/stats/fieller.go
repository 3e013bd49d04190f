package stats

import "math"

// RatioInterval is Fieller's two-sided 1-alpha confidence set for the ratio
// of means theta = mean(c)/mean(b) of two independent sides: every theta
// with |mean(c) - theta*mean(b)| <= t * sqrt(SE(c)^2 + theta^2 SE(b)^2),
// t the 1-alpha/2 quantile of Student's t with the Welch degrees of freedom
// at the estimated ratio.
//
// It is the set of ratios the test of NewContrast(c, b, theta) does not
// reject, so "the whole interval lies above A" and "Mean(c) - A*Mean(b) is
// significantly above 0" are the same statement. Bounded is false when the
// baseline mean is not distinguishable from zero (mean(b)^2 <= t^2 SE(b)^2):
// the set is then unbounded and lo, hi are -Inf, +Inf.
func RatioInterval(c, b Moments, alpha float64) (lo, hi float64, bounded bool) {
	est := c.Mean / b.Mean
	k := est
	if math.IsNaN(k) || math.IsInf(k, 0) {
		k = 1
	}
	df := NewContrast(c, b, k).DF
	t := TQuantile(1-alpha/2, df)
	vc, vb := c.SE*c.SE, b.SE*b.SE
	a := b.Mean*b.Mean - t*t*vb
	if !(a > 0) {
		return math.Inf(-1), math.Inf(1), false
	}
	bb := -2 * c.Mean * b.Mean
	cc := c.Mean*c.Mean - t*t*vc
	disc := bb*bb - 4*a*cc
	if disc < 0 { // only by rounding: the estimate itself is always inside
		disc = 0
	}
	r := math.Sqrt(disc)
	return (-bb - r) / (2 * a), (-bb + r) / (2 * a), true
}
