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
func normalConfInt(pr pairs, opt Options, res *Result) {
	n, m := len(pr.xs), len(pr.ys)
	sigma0 := rankSumSigma(n, m, withinTieSum(pr.xs)+withinTieSum(pr.ys))
	alpha := 1 - opt.ConfLevel
	end := func(zq float64) float64 {
		return pr.kth(firstBelow(n, m, sigma0, zq, opt.Alternative, opt.Correct))
	}
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

// firstBelow returns the smallest j in [1, n·m) at which R's interval
// statistic (dz - CORR)/sigma0, dz = (n·m - j) - n·m/2, is below zq, or n·m
// when there is none (R's root() then returns mu_max). The statistic is
// non-increasing in j, so this is a binary search.
func firstBelow(n, m int, sigma0, zq float64, alt Alternative, correct bool) int64 {
	nm := int64(n) * int64(m)
	half := float64(n) * float64(m) / 2
	below := func(j int64) bool {
		dz := float64(nm-j) - half
		return (dz-correction(dz, alt, correct))/sigma0 < zq
	}
	lo, hi := int64(1), nm // answer in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		if below(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// qnorm is the lower-tail standard normal quantile.
func qnorm(p float64) float64 { return distuv.UnitNormal.Quantile(p) }
