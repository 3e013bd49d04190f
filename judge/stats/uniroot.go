package stats

import (
	"errors"
	"fmt"
	"math"
)

// ErrRoot reports that Uniroot could not start: the bracket is empty or the
// function does not change sign over it.
var ErrRoot = errors.New("stats: no root bracketed")

// Uniroot is a faithful port of R's uniroot(f, c(lo, hi), f.lower = flo,
// f.upper = fhi, tol = tol, maxiter = maxIter): the argument checks of
// uniroot and Brent's method as in R's zeroin.c (R_zeroin2), step for step,
// so that it visits the same points and returns the same root. Like R, a
// non-finite f(x) met during the search is replaced by ±math.MaxFloat64
// (NaN by +MaxFloat64).
//
// iter is the number of iterations used, -1 when maxIter was reached (R warns
// and still returns the last approximation, as does Uniroot, with a nil error).
// R's wilcox.test calls it with tol = 1e-4 and maxIter = 1000.
func Uniroot(f func(float64) float64, lo, hi, flo, fhi, tol float64, maxIter int) (root float64, iter int, err error) {
	if !(lo < hi) {
		return math.NaN(), 0, fmt.Errorf("%w: lower < upper is not fulfilled (%v, %v)", ErrRoot, lo, hi)
	}
	if math.IsNaN(flo) || math.IsNaN(fhi) {
		return math.NaN(), 0, fmt.Errorf("%w: f is NaN at an end point", ErrRoot)
	}
	if flo*fhi > 0 {
		return math.NaN(), 0, fmt.Errorf("%w: f() values at end points not of opposite sign", ErrRoot)
	}
	if !(tol > 0) || maxIter <= 0 {
		return math.NaN(), 0, fmt.Errorf("%w: tol %v and maxIter %d must be positive", ErrOption, tol, maxIter)
	}
	root, iter = zeroin2(finite(f), lo, hi, flo, fhi, tol, maxIter)
	return root, iter, nil
}

func finite(f func(float64) float64) func(float64) float64 {
	return func(x float64) float64 {
		v := f(x)
		switch {
		case math.IsInf(v, -1):
			return -math.MaxFloat64
		case math.IsNaN(v) || math.IsInf(v, 1):
			return math.MaxFloat64
		}
		return v
	}
}

// zeroin2 is R_zeroin2. Products are wrapped in float64() so the compiler
// never fuses them into FMA instructions, which R's build does not use.
func zeroin2(f func(float64) float64, ax, bx, fa, fb, tol float64, maxIter int) (float64, int) {
	const eps = 2.220446049250313e-16 // DBL_EPSILON
	a, b := ax, bx
	c, fc := a, fa
	maxit := maxIter + 1
	if fa == 0 {
		return a, 0
	}
	if fb == 0 {
		return b, 0
	}
	for maxit > 0 {
		maxit--
		prevStep := b - a
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := float64(2*eps*math.Abs(b)) + tol/2
		newStep := (c - b) / 2
		if math.Abs(newStep) <= tolAct || fb == 0 {
			return b, maxIter - maxit
		}
		if math.Abs(prevStep) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c {
				t1 := fb / fa
				p = float64(cb * t1)
				q = 1.0 - t1
			} else {
				qq := fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = float64(t2 * (float64(float64(cb*qq)*(qq-t1)) - float64((b-a)*(t1-1.0))))
				q = float64(float64((qq-1.0)*(t1-1.0)) * (t2 - 1.0))
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if p < float64(float64(0.75*cb)*q)-math.Abs(float64(tolAct*q))/2 && p < math.Abs(float64(prevStep*q)/2) {
				newStep = p / q
			}
		}
		if math.Abs(newStep) < tolAct {
			if newStep > 0 {
				newStep = tolAct
			} else {
				newStep = -tolAct
			}
		}
		a, fa = b, fb
		b += newStep
		fb = f(b)
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b, -1
}

// ShiftStat evaluates R's standardised rank-sum statistic of (x - d, y) for
// many shifts d: the function W(d) inside R's wilcox.test that uniroot solves
// for the asymptotic interval and estimate, and Kayenta's f(mu, 0). The
// samples are sorted once; each evaluation is one O(n+m) merge and allocates
// nothing. Build it with NewShiftStat; it is safe for concurrent use.
type ShiftStat struct {
	xs, ys []float64
}

// NewShiftStat copies and sorts x and y. It fails like MannWhitney on empty
// samples and non-finite values.
func NewShiftStat(x, y []float64) (*ShiftStat, error) {
	if err := checkSample("x", x); err != nil {
		return nil, err
	}
	if err := checkSample("y", y); err != nil {
		return nil, err
	}
	return &ShiftStat{xs: sortedCopy(x), ys: sortedCopy(y)}, nil
}

// Bounds returns R's search interval for the shift: mu_min = min(x) - max(y)
// and mu_max = max(x) - min(y), the smallest and largest pairwise differences.
func (s *ShiftStat) Bounds() (lo, hi float64) {
	return s.xs[0] - s.ys[len(s.ys)-1], s.xs[len(s.xs)-1] - s.ys[0]
}

// Z returns (dz - CORRECTION)/SIGMA for the ranks of c(x - d, y), exactly as
// R computes it: dz = W(x - d) - n·m/2, SIGMA with the tie correction of that
// combined sample, CORRECTION = 0.5·sign(dz) (two-sided), 0.5 (greater),
// -0.5 (less) or 0 when correct is false. When every value of x - d and y is
// identical SIGMA is 0 and, as in R, the result is ±Inf or NaN.
func (s *ShiftStat) Z(d float64, alt Alternative, correct bool) float64 {
	n, m := len(s.xs), len(s.ys)
	rs := rankSum(s.xs, d, s.ys)
	dz := rs.u - float64(n)*float64(m)/2
	sigma := rankSumSigma(n, m, rs.tieSum)
	return (dz - correction(dz, alt, correct)) / sigma
}

// OrderStat returns the k-th smallest (1-based) of the n·m pairwise
// differences x[i] - y[j] without building them: a few O(n+m) counting
// sweeps and a fixed scratch space of at most a few thousand values.
// k outside [1, n·m] is clamped.
func (s *ShiftStat) OrderStat(k int64) float64 {
	p := newPairs(s.xs, s.ys)
	return p.kth(min(max(k, 1), p.size()))
}

// Median returns the Hodges-Lehmann estimate of x - y: the median of the
// pairwise differences.
func (s *ShiftStat) Median() float64 { return newPairs(s.xs, s.ys).median() }
