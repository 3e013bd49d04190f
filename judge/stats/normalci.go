package stats

import (
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// normalConfInt fills the asymptotic interval and estimate the way R's
// wilcox.test(conf.int = TRUE) defines them, but exactly.
//
// R solves W(d) = zq with uniroot, where W(d) is the standardised,
// continuity-corrected rank-sum statistic of (x - d, y). Between two
// consecutive distinct differences, W(d) = (n·m - j - n·m/2 - CORR)/sigma0,
// with j the number of differences <= d and sigma0 the tie-corrected sigma of
// the within-sample ties only; it is non-increasing in j. The root is
// therefore the j-th smallest difference for the first j at which W drops
// below zq, and uniroot stops within its tolerance of that jump. The estimate
// solves W(d) = 0 without correction, whose jump (or flat zero between the
// two middle differences) is the Hodges-Lehmann median.
func normalConfInt(pr *pairs, opt Options, res *Result) {
	n, m := len(pr.xs), len(pr.ys)
	st := intervalStat{
		nm:      int64(n) * int64(m),
		half:    float64(n) * float64(m) / 2,
		sigma0:  rankSumSigma(n, m, withinTieSum(pr.xs)+withinTieSum(pr.ys)),
		alt:     opt.Alternative,
		correct: opt.Correct,
	}
	end := func(zq float64) float64 {
		j := st.firstBelow(zq)
		d := pr.kth(j)
		if j > 1 && st.at(j-1) == zq {
			// W equals zq on the whole stretch before d (only when zq is
			// 0, as for a one-sided 50% interval): R's root is any point
			// of it; take its middle, as for the estimate.
			return mean2(pr.kth(j-1), d)
		}
		return d
	}
	alpha := 1 - opt.ConfLevel
	switch opt.Alternative {
	case Greater:
		res.ConfInt = [2]float64{end(-qnorm(alpha)), math.Inf(1)}
	case Less:
		res.ConfInt = [2]float64{math.Inf(-1), end(qnorm(alpha))}
	default:
		res.ConfInt = [2]float64{end(-qnorm(alpha / 2)), end(qnorm(alpha / 2))}
	}
	res.AchievedConfLevel = opt.ConfLevel
	res.Estimate = pr.median()
	res.HasEstimate = true
}

// intervalStat is R's W(d) between differences, as a function of j, the
// number of differences <= d.
type intervalStat struct {
	nm           int64
	half, sigma0 float64
	alt          Alternative
	correct      bool
}

// at is (dz - CORR)/sigma0 with dz = (n·m - j) - n·m/2, computed as R does.
func (s intervalStat) at(j int64) float64 {
	dz := float64(s.nm-j) - s.half
	return (dz - correction(dz, s.alt, s.correct)) / s.sigma0
}

// firstBelow returns the smallest j in [1, n·m) with at(j) < zq, or n·m when
// there is none (R's root() then returns mu_max). at is non-increasing in j,
// so this is a binary search.
func (s intervalStat) firstBelow(zq float64) int64 {
	lo, hi := int64(1), s.nm // answer in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if s.at(mid) < zq {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// qnorm is the lower-tail standard normal quantile.
func qnorm(p float64) float64 { return distuv.UnitNormal.Quantile(p) }
