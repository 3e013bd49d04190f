// Package stats implements the two-sample Mann-Whitney U (Wilcoxon rank-sum)
// test with the Hodges-Lehmann shift estimate and confidence interval, matching
// GNU R's wilcox.test(x, y, ...) to numerical precision.
//
// x is the canary (experiment) sample and y the baseline (control) sample; the
// shift estimate is of x - y. Inputs are never modified.
package stats

import "errors"

// Alternative names the alternative hypothesis, as in R.
type Alternative string

const (
	TwoSided Alternative = "two-sided"
	Greater  Alternative = "greater" // x is shifted above y
	Less     Alternative = "less"    // x is shifted below y
)

// ExactMode chooses between the exact null distribution and the normal
// approximation. Auto follows R: exact when both samples have fewer than 50
// values and there are no ties.
type ExactMode string

const (
	ExactAuto   ExactMode = "auto"
	ExactForce  ExactMode = "exact"
	ExactNormal ExactMode = "normal"
)

// Method is the method actually used.
type Method string

const (
	MethodExact  Method = "exact"
	MethodNormal Method = "normal"
)

// Options configures MannWhitney. Start from DefaultOptions; the zero value
// of Alternative, ConfLevel and Exact mean two-sided, 0.95 and auto.
type Options struct {
	Alternative Alternative
	Mu          float64   // hypothesised shift of x - y
	ConfLevel   float64   // in (0,1)
	Exact       ExactMode // auto | exact | normal
	Correct     bool      // continuity correction (normal method), R's default true
	ConfInt     bool      // compute Hodges-Lehmann estimate and confidence interval
}

// DefaultOptions returns R's defaults with the estimate and interval on.
func DefaultOptions() Options {
	return Options{Alternative: TwoSided, ConfLevel: 0.95, Exact: ExactAuto, Correct: true, ConfInt: true}
}

// Result is the outcome of one test. Values that are undefined are NaN and
// the matching Has* flag is false.
type Result struct {
	W           float64 // R's statistic: rank sum of x minus n(n+1)/2
	PValue      float64
	Z           float64 // standardised statistic (normal method); NaN for exact
	Estimate    float64 // Hodges-Lehmann shift estimate of x - y
	ConfInt     [2]float64
	HasEstimate bool // estimate and interval were computed and are defined
	Method      Method
	Ties        bool
	N, M        int // len(x), len(y)
	Alternative Alternative
	Mu          float64
	ConfLevel   float64 // achieved level for the exact interval may differ; this is the requested one
	// AchievedConfLevel is R's attr(conf.int, "conf.level"): the requested
	// level, or for the exact method 1 - the achieved alpha when the requested
	// level cannot be reached. NaN when no interval was computed.
	AchievedConfLevel float64
}

// Errors. Wrapped errors carry detail; test with errors.Is.
var (
	ErrEmpty     = errors.New("stats: empty sample")
	ErrNonFinite = errors.New("stats: NaN or infinite value in sample")
	ErrOption    = errors.New("stats: invalid option")
	// ErrAllTied is returned together with a valid Result (W and PValue set,
	// HasEstimate false) when every value in both samples is identical: the
	// test statistic and p-value are defined, the confidence interval is not.
	ErrAllTied = errors.New("stats: all values identical; confidence interval undefined")
)
