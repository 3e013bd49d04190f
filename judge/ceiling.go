package judge

import (
	"fmt"
	"math"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Ceilings that know how little they saw.
//
// An absolute ceiling fails a window at once, whatever the baseline does;
// on the baseline it means the baseline itself is unhealthy. So a breach
// needs evidence that the level is above the ceiling, not one unlucky
// point: at five requests a point one error makes a point's error ratio
// 0.2, and two such points make a window's mean 0.067, above a 5 % ceiling
// while the true rate is 0.5 %. Each side's level gets a one-sided bound
// at the policy's alpha:
//   - mean: the mean minus t(1-alpha, n_eff - 1) standard errors, the
//     standard error honest about autocorrelation (as the effect
//     intervals);
//   - median: an order statistic, the sign test's bound on effective
//     points (a median above the ceiling needs clearly more than half the
//     points above it);
//   - max: the largest point (max is a statement about the points
//     themselves; choose it only for points that each aggregate enough);
//   - counts: the exact (Clopper-Pearson) bound of the rate (counts.go).
//
// A side with fewer than min_samples points cannot breach: too little data
// is nodata, not a breach. The baseline's upper bound is kept too, at the
// strict (pooled) alpha: when the canary breaches and the baseline is not
// shown to lie below the ceiling, the service as a whole may be unhealthy,
// and the baseline counts as breaching (escalate, not roll back to it).

// checkCeiling checks both sides of a plain series (after NaN handling,
// before outlier removal, so that removing outliers cannot hide a breach).
func checkCeiling(m Metric, canary, baseline []float64, alpha, strict float64) *CeilingCheck {
	c := &CeilingCheck{Ceiling: *m.Ceiling, Stat: m.CeilingStat}
	cl := levelBounds(m, canary, alpha)
	bl := levelBounds(m, baseline, alpha)
	bl.hi = levelBounds(m, baseline, strict).hi
	c.Canary, c.Baseline = num(cl.stat), num(bl.stat)
	c.above = [2]int{countAbove(canary, c.Ceiling), countAbove(baseline, c.Ceiling)}
	c.CanaryLower, c.BaselineLower, c.BaselineUpper = num(cl.lo), num(bl.lo), num(bl.hi)
	c.CanaryBreached = cl.ok && cl.lo > c.Ceiling
	c.BaselineBreached = bl.ok && bl.lo > c.Ceiling
	c.BaselineNear = bl.ok && bl.hi >= c.Ceiling
	if !cl.ok || !bl.ok {
		c.Note = fmt.Sprintf("a side with fewer than %d points cannot breach", max(m.MinSamples, 1))
	}
	return c
}

// bounds is one side's statistic and the bounds of its level.
type bounds struct {
	stat, lo, hi float64
	ok           bool // enough points to judge the level
}

func levelBounds(m Metric, xs []float64, alpha float64) bounds {
	b := bounds{stat: math.NaN(), lo: math.NaN(), hi: math.NaN()}
	if len(xs) == 0 {
		return b
	}
	b.ok = len(xs) >= max(m.MinSamples, 1)
	switch m.CeilingStat {
	case CeilingMax:
		b.stat = slices.Max(xs)
		b.lo, b.hi = b.stat, b.stat
	case CeilingMedian:
		b.stat, b.lo, b.hi = medianBounds(xs, alpha)
	default:
		mo := stats.MomentsOf(xs)
		b.stat, b.lo, b.hi = mo.Mean, mo.Mean, mo.Mean
		if mo.SE > 0 {
			h := stats.TQuantile(1-alpha, max(mo.NEff-1, 1)) * mo.SE
			b.lo, b.hi = mo.Mean-h, mo.Mean+h
		}
	}
	return b
}

// medianBounds is the median with one-sided (1-alpha) order-statistic
// bounds; the binomial count of points below the median has its variance
// widened by the series' autocorrelation (n/n_eff).
func medianBounds(xs []float64, alpha float64) (med, lo, hi float64) {
	s := sortFloats(xs)
	n := len(s)
	med = percentileR7(s, 50)
	f := float64(n) / stats.MomentsOf(xs).NEff
	if !(f >= 1) {
		f = 1
	}
	k := int(math.Floor(float64(n)/2 - stats.TQuantile(1-alpha, math.Inf(1))*math.Sqrt(float64(n)*f)/2))
	if k < 1 {
		return med, math.Inf(-1), math.Inf(1)
	}
	return med, s[k-1], s[n-k]
}

// breachText explains a canary breach with its evidence.
func breachText(ck *CeilingCheck) string {
	if ck.CanaryLower != nil && ck.Stat != CeilingMax && *ck.CanaryLower != *ck.Canary {
		return fmt.Sprintf("canary %s %s (lower bound %s) is above the ceiling %g", ck.Stat, fnum(*ck.Canary), fnum(*ck.CanaryLower), ck.Ceiling)
	}
	return fmt.Sprintf("canary %s %s is above the ceiling %g", ck.Stat, fnum(*ck.Canary), ck.Ceiling)
}

func countAbove(xs []float64, ceiling float64) int {
	n := 0
	for _, x := range xs {
		if x > ceiling {
			n++
		}
	}
	return n
}
