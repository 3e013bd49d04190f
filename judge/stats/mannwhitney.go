package stats

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/stat/distuv"
)

// Limits of a forced exact distribution. The table holds n·m/2
// probabilities and is built in min(n,m) passes over it; its float64
// rounding error grows with min(n,m) (1e-15 relative at 100, 1e-12 at 200,
// 1e-9 at 300), so beyond 200 the normal approximation, which is then
// excellent, is the honest answer.
const (
	exactMaxSmaller = 200
	exactMaxPairs   = 1 << 22
)

// MannWhitney runs the two-sample Wilcoxon rank-sum (Mann-Whitney U) test of
// x (canary) against y (baseline) and, when opt.ConfInt is set, the
// Hodges-Lehmann estimate of the shift x - y with its confidence interval,
// as R's wilcox.test(x, y, ...) does: W, the method choice, exact and normal
// p-values and the exact interval are R's to the last bits.
//
// The normal-method interval ends and the estimate are exact order
// statistics of the n·m pairwise differences, found without building them
// (see pairs): the points where R's rank statistic W(d) crosses the normal
// quantile. R searches for them with uniroot(tol = 1e-4) and its answers lie
// within that tolerance; where W(d) equals the quantile on a whole stretch
// (the estimate when n·m is even, a one-sided 50% interval) the middle of the
// stretch is returned, as the median of the differences is.
//
// Errors: ErrEmpty, ErrNonFinite and ErrOption with no Result. When every
// value of x - mu and y is identical the Result is still filled in (W =
// n·m/2, PValue = 1, Z and the interval NaN) and ErrAllTied is returned. When
// the samples are so far apart that a difference overflows float64, the
// test is returned without an interval, with an ErrNonFinite error.
func MannWhitney(x, y []float64, opt Options) (Result, error) {
	opt, err := opt.normalize()
	if err != nil {
		return Result{}, err
	}
	if err := checkSample("x", x); err != nil {
		return Result{}, err
	}
	if err := checkSample("y", y); err != nil {
		return Result{}, err
	}
	n, m := len(x), len(y)
	nan := math.NaN()
	res := Result{
		W: nan, PValue: nan, Z: nan, Estimate: nan, ConfInt: [2]float64{nan, nan},
		N: n, M: m, Alternative: opt.Alternative, Mu: opt.Mu, ConfLevel: opt.ConfLevel,
		AchievedConfLevel: nan,
	}
	xs, ys := sortedCopy(x), sortedCopy(y)
	var noInterval error
	if lo, hi := xs[0]-ys[m-1], xs[n-1]-ys[0]; opt.ConfInt && (math.IsInf(lo, 0) || math.IsInf(hi, 0)) {
		opt.ConfInt = false
		noInterval = fmt.Errorf("%w: pairwise differences overflow float64; no interval", ErrNonFinite)
	}
	rs := rankSum(xs, opt.Mu, ys)
	res.W, res.Ties = rs.u, rs.ties

	if !rs.ties && (opt.Exact == ExactForce || (opt.Exact == ExactAuto && n < 50 && m < 50)) {
		if err := exactFeasible(n, m); err != nil {
			return Result{}, err
		}
		d := wilcoxDistFor(n, m)
		res.Method = MethodExact
		res.PValue = d.pValue(res.W, opt.Alternative)
		if opt.ConfInt {
			d.confInt(newPairs(xs, ys), opt, &res)
		}
		return res, noInterval
	}

	res.Method = MethodNormal
	sigma := rankSumSigma(n, m, rs.tieSum)
	if sigma == 0 || math.IsNaN(sigma) {
		res.PValue = 1
		return res, fmt.Errorf("%w: every value of x - mu and y equals %g", ErrAllTied, ys[0])
	}
	dz := res.W - float64(n)*float64(m)/2
	res.Z = (dz - correction(dz, opt.Alternative, opt.Correct)) / sigma
	res.PValue = normalP(res.Z, opt.Alternative)
	if opt.ConfInt {
		normalConfInt(newPairs(xs, ys), opt, &res)
	}
	return res, noInterval
}

// normalize fills the zero values of Alternative, ConfLevel and Exact and
// rejects anything else that is not a valid option.
func (o Options) normalize() (Options, error) {
	if o.Alternative == "" {
		o.Alternative = TwoSided
	}
	if o.ConfLevel == 0 {
		o.ConfLevel = 0.95
	}
	if o.Exact == "" {
		o.Exact = ExactAuto
	}
	switch o.Alternative {
	case TwoSided, Greater, Less:
	default:
		return o, fmt.Errorf("%w: alternative %q (want two-sided, greater or less)", ErrOption, o.Alternative)
	}
	switch o.Exact {
	case ExactAuto, ExactForce, ExactNormal:
	default:
		return o, fmt.Errorf("%w: exact %q (want auto, exact or normal)", ErrOption, o.Exact)
	}
	if !(o.ConfLevel > 0 && o.ConfLevel < 1) {
		return o, fmt.Errorf("%w: conf_level %v must be in (0,1)", ErrOption, o.ConfLevel)
	}
	if math.IsNaN(o.Mu) || math.IsInf(o.Mu, 0) {
		return o, fmt.Errorf("%w: mu %v must be finite", ErrOption, o.Mu)
	}
	return o, nil
}

func checkSample(name string, v []float64) error {
	if len(v) == 0 {
		return fmt.Errorf("%w: %s has no values", ErrEmpty, name)
	}
	for i, f := range v {
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: %s[%d] = %v", ErrNonFinite, name, i, f)
		}
	}
	return nil
}

func exactFeasible(n, m int) error {
	if min(n, m) > exactMaxSmaller || int64(n)*int64(m) > exactMaxPairs {
		return fmt.Errorf("%w: exact distribution for n=%d, m=%d is too large (limits: smaller sample %d, n·m %d); use auto or normal",
			ErrOption, n, m, exactMaxSmaller, exactMaxPairs)
	}
	return nil
}

// correction is R's continuity correction for a centred statistic dz.
func correction(dz float64, alt Alternative, correct bool) float64 {
	if !correct {
		return 0
	}
	switch alt {
	case Greater:
		return 0.5
	case Less:
		return -0.5
	}
	switch {
	case dz > 0:
		return 0.5
	case dz < 0:
		return -0.5
	}
	return 0
}

// normalP is the p-value of a standard normal statistic z, as R's pnorm.
func normalP(z float64, alt Alternative) float64 {
	lower := distuv.UnitNormal.CDF(z)
	upper := distuv.UnitNormal.CDF(-z) // accurate upper tail (Survival is 1 - CDF)
	switch alt {
	case Less:
		return lower
	case Greater:
		return upper
	}
	return 2 * min(lower, upper)
}
