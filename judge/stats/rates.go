package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
	"gonum.org/v1/gonum/stat/distuv"
)

// Rates of count metrics.
//
// An error-like metric is best sent as counts per point (events out of a
// total, e.g. 5xx responses out of requests) and judged as a rate: exact at
// low counts, and defined when the baseline had no event at all. Canary and
// baseline are compared with the conditional binomial test for two Poisson
// rates (R's poisson.test with two samples): given the n events of both
// sides, the canary's share is binomial with p = T_c*theta / (T_c*theta +
// T_b) when the rate ratio is theta, so the Clopper-Pearson interval for that
// share is an exact interval for theta.
//
// Real counts are noisier than Poisson: errors come in bursts, and points
// of one window are autocorrelated. Each side's counts are therefore divided
// by a scale before the test (quasi-likelihood "effective counts"): the
// Pearson dispersion relative to the binomial (at least 1), times the
// variance factor of the Pearson residuals' autocorrelation (Inflation),
// times 1 - rate (the binomial's
// own variance, which matters for common events such as a success rate of
// 95 %: without it the Poisson test would be 20 times too wide). With a scale
// of 1 every figure equals R's poisson.test, binom.test and their intervals.

// Counts summarises one side of a count metric over one window (or several).
type Counts struct {
	Points     int     // points with a positive total
	Events     float64 // sum of events
	Total      float64 // sum of totals
	Dispersion float64 // Pearson X^2/(k-1) against the binomial, at least 1
	Rho        float64 // autocorrelation of the Pearson residuals used
	Scale      float64 // effective counts are Events/Scale out of Total/Scale
	// Resid are the lag sums of the Pearson residuals (for pooling the
	// dispersion and autocorrelation over several windows).
	Resid LagSums
}

// Rate is Events/Total; NaN without traffic.
func (c Counts) Rate() float64 {
	if c.Total <= 0 {
		return math.NaN()
	}
	return c.Events / c.Total
}

// CountsOf summarises per-point events and totals (same length, finite,
// 0 <= events <= total; points with a zero total carry no information and
// are skipped).
func CountsOf(events, total []float64) Counts {
	c := Counts{Dispersion: 1, Scale: 1}
	for i, n := range total {
		if n > 0 {
			c.Points++
			c.Events += events[i]
			c.Total += n
		}
	}
	if c.Total <= 0 {
		return c
	}
	p := c.Events / c.Total
	q := max(1-p, 0.5/c.Total) // never 0: half an event's worth
	extra := 1.0
	if res := pearson(events, total, p, q); len(res) >= 2 {
		x2 := 0.0
		for _, r := range res {
			x2 += r * r
		}
		c.Dispersion = max(1, x2/float64(len(res)-1))
		c.Resid = LagSumsOf(res)
		c.Rho = AdjustedRho(c.Resid.lag1(len(res)), len(res))
		extra = c.Dispersion * c.Resid.inflation(len(res))
	}
	c.Scale = extra * q
	return c
}

// Effective returns the effective events and exposure: Events/Scale and
// Total/Scale.
func (c Counts) Effective() (x, n float64) {
	s := c.Scale
	if !(s > 0) {
		s = 1
	}
	return c.Events / s, c.Total / s
}

// CPInterval is the two-sided 1-alpha Clopper-Pearson interval for a
// binomial proportion with x successes out of n (real-valued x and n are
// allowed: the beta-quantile form), as R's binom.test(x, n)$conf.int.
func CPInterval(x, n, alpha float64) (lo, hi float64) {
	lo, hi = 0, 1
	if x > 0 {
		lo = distuv.Beta{Alpha: x, Beta: n - x + 1}.Quantile(alpha / 2)
	}
	if x < n {
		hi = distuv.Beta{Alpha: x + 1, Beta: n - x}.Quantile(1 - alpha/2)
	}
	return lo, hi
}

// binomUpper is P(X >= x) for X ~ Binomial(n, p), continuous in x and n.
func binomUpper(x, n, p float64) float64 {
	if x <= 0 {
		return 1
	}
	if p <= 0 {
		return 0
	}
	if p >= 1 {
		return 1
	}
	return mathext.RegIncBeta(x, n-x+1, p)
}

// binomLower is P(X <= x).
func binomLower(x, n, p float64) float64 {
	if x >= n {
		return 1
	}
	if p <= 0 {
		return 1
	}
	if p >= 1 {
		return 0
	}
	return 1 - mathext.RegIncBeta(x+1, n-x, p)
}

// RateComparison compares the canary's rate with the baseline's, on
// effective counts.
type RateComparison struct {
	// Ratio is rate(c)/rate(b) (+Inf when only the canary had events, NaN
	// when neither did); [RatioLo, RatioHi] its exact two-sided 1-alpha
	// interval (RatioHi +Inf when the baseline had no event).
	Ratio, RatioLo, RatioHi float64
	// Diff is rate(c) - rate(b); [DiffLo, DiffHi] its 1-alpha interval by
	// the method of variance estimates recovery (Newcombe, Zou and Donner)
	// from each side's Clopper-Pearson interval.
	Diff, DiffLo, DiffHi float64
	// PValue is the two-sided (central) p-value of equal rates: twice the
	// smaller one-sided exact p-value, at most 1.
	PValue float64
}

// CompareRates runs the conditional binomial comparison of c and b.
func CompareRates(c, b Counts, alpha float64) RateComparison {
	xc, nc := c.Effective()
	xb, nb := b.Effective()
	r := RateComparison{Ratio: math.NaN(), RatioLo: 0, RatioHi: math.Inf(1), PValue: 1}
	if xc+xb > 0 && nc > 0 && nb > 0 {
		n := xc + xb
		r.Ratio = (xc / nc) / (xb / nb)
		plo, phi := CPInterval(xc, n, alpha)
		odds := func(p float64) float64 { return p / (1 - p) * nb / nc }
		r.RatioLo, r.RatioHi = odds(plo), odds(phi)
		p0 := nc / (nc + nb)
		r.PValue = min(1, 2*min(binomUpper(xc, n, p0), binomLower(xc, n, p0)))
	}
	pc, pb := xc/nc, xb/nb
	lc, uc := CPInterval(xc, nc, alpha)
	lb, ub := CPInterval(xb, nb, alpha)
	r.Diff = pc - pb
	r.DiffLo = r.Diff - math.Sqrt((pc-lc)*(pc-lc)+(ub-pb)*(ub-pb))
	r.DiffHi = r.Diff + math.Sqrt((uc-pc)*(uc-pc)+(pb-lb)*(pb-lb))
	return r
}

// pearson returns the Pearson residuals of points with traffic against
// the binomial with rate p (nil when p is 0: nothing to disperse).
func pearson(events, total []float64, p, q float64) []float64 {
	if !(p > 0) {
		return nil
	}
	var res []float64
	for i, n := range total {
		if n > 0 {
			res = append(res, (events[i]-n*p)/math.Sqrt(n*p*q))
		}
	}
	return res
}
