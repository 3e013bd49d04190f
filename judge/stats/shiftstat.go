package stats

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
// differences x[i] - y[j], in O((n+m)·log) time and no extra memory.
// k outside [1, n·m] is clamped.
func (s *ShiftStat) OrderStat(k int64) float64 {
	p := &pairs{xs: s.xs, ys: s.ys}
	return p.kth(min(max(k, 1), p.size()))
}

// Median returns the Hodges-Lehmann estimate of x - y: the median of the
// pairwise differences.
func (s *ShiftStat) Median() float64 { return (&pairs{xs: s.xs, ys: s.ys}).median() }
