package judge

import (
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Verdict is the judgement of one analysis window.
type Verdict string

const (
	VerdictPass     Verdict = "pass"
	VerdictMarginal Verdict = "marginal"
	VerdictFail     Verdict = "fail"
	VerdictNoData   Verdict = "nodata"
)

// Classification is the judgement of one metric.
type Classification string

const (
	ClassPass   Classification = "pass"
	ClassHigh   Classification = "high" // the canary is higher, in a direction the policy calls bad
	ClassLow    Classification = "low"
	ClassNoData Classification = "nodata"
	ClassError  Classification = "error"
)

// Rule names the rule that decided a metric's classification or the verdict.
type Rule string

const (
	// Metric rules.
	RuleNoData              Rule = "no_data"              // a side has no points
	RuleNoDataFail          Rule = "no_data_required"     // must_have_data without data: counts as a failure
	RuleEmptyReplaced       Rule = "empty_replaced"       // kayenta: empty side with nan_strategy replace passes
	RuleInsufficientSamples Rule = "insufficient_samples" // fewer than min_samples points on a side
	RuleIdentical           Rule = "identical"            // both sides hold the same values
	RuleCeiling             Rule = "ceiling_breached"     // canary past its absolute ceiling
	RuleWithinAllowance     Rule = "within_allowed_effect"
	RuleAllowedDirection    Rule = "allowed_direction"           // significant change the policy does not mind
	RuleInconclusive        Rule = "interval_overlaps_allowance" // default: the interval reaches past the allowance but not all of it
	RuleAboveAllowance      Rule = "interval_above_allowance"    // default: the whole interval lies above the allowed increase
	RuleBelowAllowance      Rule = "interval_below_allowance"    // default: the whole interval lies below the allowed decrease
	RuleNoTraffic           Rule = "insufficient_traffic"        // count metric: total below min_total (or zero) on a side
	RuleSignificantIncrease Rule = "significant_increase"
	RuleSignificantDecrease Rule = "significant_decrease"
	RuleWithinTolerance     Rule = "interval_within_tolerance" // kayenta pass
	RuleStatsError          Rule = "stats_error"
	// Verdict rules.
	RuleScore            Rule = "score"
	RuleCriticalFailure  Rule = "critical_failure"
	RuleTooMuchNoData    Rule = "too_much_nodata"
	RuleRequiredNoData   Rule = "required_metric_nodata"
	RuleCeilingVerdict   Rule = "ceiling_breached"
	RuleNoMetricWithData Rule = "no_data"
)

// Result is one window's judgement: per-metric results, group scores, the
// total score and the verdict. Undefined numbers are null, never NaN.
type Result struct {
	Verdict          Verdict        `json:"verdict"`
	Score            float64        `json:"score"` // 0-100, two decimals
	Rule             Rule           `json:"rule"`  // which rule decided the verdict
	Reason           string         `json:"reason"`
	Mode             Mode           `json:"mode"`
	PolicyVersion    int            `json:"policy_version"`
	Thresholds       Thresholds     `json:"thresholds"`
	Metrics          []MetricResult `json:"metrics"`
	Groups           []GroupResult  `json:"groups"`
	CeilingBreaches  []string       `json:"ceiling_breaches"`  // canary past its ceiling: fail fast
	BaselineBreaches []string       `json:"baseline_breaches"` // baseline past its ceiling: baseline unhealthy
	CriticalFailures []string       `json:"critical_failures"`
}

// MetricResult explains one metric. N and M count the canary and baseline
// points the test used (after NaN handling and outlier removal).
type MetricResult struct {
	Name            string         `json:"name"`
	Group           string         `json:"group"`
	Kind            string         `json:"kind,omitempty"`
	Direction       Direction      `json:"direction"`
	Critical        bool           `json:"critical"`         // configured
	CriticalFailure bool           `json:"critical_failure"` // this result zeroes the score
	Classification  Classification `json:"classification"`
	Rule            Rule           `json:"rule"`
	Reason          string         `json:"reason"`
	N               int            `json:"n"`
	M               int            `json:"m"`
	W               *float64       `json:"w"`
	PValue          *float64       `json:"p_value"`
	// Method: exact | normal (Mann-Whitney, kayenta mode); welch_ar1,
	// fieller_ar1, cles_ar1 or rate_exact (default mode).
	Method string `json:"method,omitempty"`
	// Estimate is the shift canary - baseline: Hodges-Lehmann in kayenta
	// mode, the difference of means (or rates) in default mode; Interval is
	// its confidence interval.
	Estimate  *float64      `json:"estimate"`
	Interval  *Interval     `json:"interval"`
	Effect    Effect        `json:"effect"`
	MeanRatio *float64      `json:"mean_ratio"` // Kayenta's "deviation"
	Ceiling   *CeilingCheck `json:"ceiling,omitempty"`
	Canary    SideStats     `json:"canary"`
	Baseline  SideStats     `json:"baseline"`
}

// Interval is a confidence interval for the shift canary - baseline.
type Interval struct {
	Lower *float64 `json:"lower"`
	Upper *float64 `json:"upper"`
	Level float64  `json:"level"`
}

// Effect is the effect size, its interval (default mode; a null bound is
// unbounded) and the allowance it was held against.
type Effect struct {
	Measure         string   `json:"measure"`
	Value           *float64 `json:"value"`
	Lower           *float64 `json:"lower,omitempty"`
	Upper           *float64 `json:"upper,omitempty"`
	Level           float64  `json:"level,omitempty"`
	AllowedIncrease float64  `json:"allowed_increase"`
	AllowedDecrease float64  `json:"allowed_decrease"`
	Floor           float64  `json:"floor,omitempty"`
}

// CeilingCheck is the absolute-ceiling check of both sides (ceiling.go):
// each side's statistic with the confidence bounds its breach rests on.
type CeilingCheck struct {
	Ceiling  float64  `json:"ceiling"`
	Stat     string   `json:"stat"`
	Canary   *float64 `json:"canary"`
	Baseline *float64 `json:"baseline"`
	// CanaryLower and BaselineLower are the one-sided lower bounds (at
	// alpha) of each side's level; BaselineUpper the baseline's upper one.
	CanaryLower      *float64 `json:"canary_lower,omitempty"`
	BaselineLower    *float64 `json:"baseline_lower,omitempty"`
	BaselineUpper    *float64 `json:"baseline_upper,omitempty"`
	CanaryBreached   bool     `json:"canary_breached"`
	BaselineBreached bool     `json:"baseline_breached"`
	// BaselineNear: the baseline is not shown to lie below the ceiling
	// (its upper bound reaches it), so a canary breach cannot be told
	// from a service-wide one.
	BaselineNear bool   `json:"baseline_near,omitempty"`
	Note         string `json:"note,omitempty"`
	// above counts each side's points above the ceiling (canary,
	// baseline), for the window's summary.
	above [2]int
}

// SideStats describes one side's series. The default mode adds what its
// interval rests on: the standard error of the mean (honest about
// autocorrelation), the autocorrelation used and the effective sample
// size; for count metrics the sums, the rate and the variance scale.
type SideStats struct {
	Points int `json:"points"` // as received
	NaN    int `json:"nan"`    // NaN points (removed or replaced)
	// NonFinite counts points the judge cannot represent (infinite, or
	// beyond MaxMagnitude): they are judged as nonfinite.go says.
	NonFinite       int      `json:"non_finite,omitempty"`
	Outliers        int      `json:"outliers"` // removed as outliers
	Mean            *float64 `json:"mean"`
	Median          *float64 `json:"median"`
	Min             *float64 `json:"min"`
	Max             *float64 `json:"max"`
	SE              *float64 `json:"se,omitempty"`
	Autocorrelation *float64 `json:"autocorrelation,omitempty"`
	NEff            *float64 `json:"n_eff,omitempty"`
	Events          *float64 `json:"events,omitempty"`
	Total           *float64 `json:"total,omitempty"`
	Rate            *float64 `json:"rate,omitempty"`
	Dispersion      *float64 `json:"dispersion,omitempty"`
	Scale           *float64 `json:"scale,omitempty"`
	// Instances is how many instances (replicates) the side was judged
	// by, Spread the sd of their estimates, PerInstance each one's numbers.
	Instances   int                    `json:"instances,omitempty"`
	Spread      *float64               `json:"spread,omitempty"`
	PerInstance map[string]SideSummary `json:"per_instance,omitempty"`
	// lags: the series' (or Pearson residuals') lag sums, kept for the
	// window's summary (sequential pooling), not shown.
	lags stats.LagSums
}

// GroupResult is one group's score. Score is null when no metric of the
// group could be judged (default mode); Kayenta reports 0 there.
type GroupResult struct {
	Name   string   `json:"name"`
	Weight float64  `json:"weight"` // effective weight, unlisted groups sharing the rest
	Score  *float64 `json:"score"`
	Pass   int      `json:"pass"`
	High   int      `json:"high"`
	Low    int      `json:"low"`
	NoData int      `json:"nodata"`
	Error  int      `json:"error"`
}

// num returns a pointer to x, or nil when x is NaN or infinite.
func num(x float64) *float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return nil
	}
	return &x
}

func sideStats(raw []float64, final sample, nans, outliers int) SideStats {
	s := SideStats{Points: len(raw), NaN: nans, Outliers: outliers}
	if xs := final.sorted; len(xs) > 0 {
		s.Mean, s.Median = num(kmean(final.vals)), num(percentileR7(xs, 50))
		s.Min, s.Max = num(xs[0]), num(xs[len(xs)-1])
	}
	return s
}
