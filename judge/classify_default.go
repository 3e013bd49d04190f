package judge

import (
	"errors"
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// classifyDefault is canaryjudge's own classifier. It fixes Kayenta's known
// weaknesses:
//   - fewer than min_samples points on a side is nodata, never a pass;
//   - the p-value is R's wilcox.test (exact distribution when both sides
//     have < 50 points and no ties) and is reported;
//   - a metric fails only when the change is significant (p < alpha) AND
//     its effect size is beyond the allowance, in a direction the policy
//     calls bad; the direction of the change is the rank statistic's
//     (W above or below n·m/2), so it is defined even when the
//     Hodges-Lehmann estimate is 0, as with error ratios full of zeros;
//   - effect sizes stay finite when the baseline is zero (safeMeanRatio,
//     mean_diff, cles).
//
// Missing data never fails a metric here: the verdict becomes nodata and
// the decision engine waits, then escalates.
func classifyDefault(cs, bs sample, m Metric, alpha float64) outcome {
	exp, ctl := cs.vals, bs.vals
	o := newOutcome()
	o.level = 1 - alpha
	if len(exp) == 0 || len(ctl) == 0 {
		r := RuleNoData
		if m.MustHaveData {
			r = RuleNoDataFail
		}
		return o.with(ClassNoData, r, missingText(exp, ctl))
	}
	if len(exp) < m.MinSamples || len(ctl) < m.MinSamples {
		return o.with(ClassNoData, RuleInsufficientSamples, fmt.Sprintf(
			"canary has %d points and baseline %d; min_samples is %d per side", len(exp), len(ctl), m.MinSamples))
	}
	mc, mb := kmean(exp), kmean(ctl)
	o.meanRatio = safeMeanRatio(mc, mb)
	switch m.EffectSize.Measure {
	case MeasureMeanDiff:
		o.effect = mc - mb
	case MeasureCLES:
		o.effect = clesSorted(cs.sorted, bs.sorted)
	default:
		o.effect = o.meanRatio
	}
	if sameValues(cs, bs) {
		o.p = 1
		return o.with(ClassPass, RuleIdentical, "canary and baseline hold the same values")
	}
	r, err := stats.MannWhitney(exp, ctl, stats.Options{
		Alternative: stats.TwoSided, ConfLevel: 1 - alpha, Exact: stats.ExactAuto, Correct: true, ConfInt: true,
	})
	if err != nil && !errors.Is(err, stats.ErrAllTied) {
		return o.with(ClassError, RuleStatsError, "Mann-Whitney test failed: "+err.Error())
	}
	o.w, o.p, o.method = r.W, r.PValue, string(r.Method)
	if r.HasEstimate {
		o.est, o.lo, o.hi = r.Estimate, r.ConfInt[0], r.ConfInt[1]
	}
	half := float64(len(exp)) * float64(len(ctl)) / 2
	es := m.EffectSize
	eff := fmt.Sprintf("%s %s", es.Measure, fnum(o.effect))
	switch {
	case !(o.p < alpha):
		return o.with(ClassPass, RuleNotSignificant, fmt.Sprintf("no significant change (p = %s >= alpha %g)", fnum(o.p), alpha))
	case r.W > half && m.Direction == DirDecrease:
		return o.with(ClassPass, RuleAllowedDirection, fmt.Sprintf("significant increase (p = %s), which direction decrease allows", fnum(o.p)))
	case r.W < half && m.Direction == DirIncrease:
		return o.with(ClassPass, RuleAllowedDirection, fmt.Sprintf("significant decrease (p = %s), which direction increase allows", fnum(o.p)))
	case r.W > half && !beyondIncrease(es.Measure, o.effect, es.AllowedIncrease):
		return o.with(ClassPass, RuleWithinAllowance, fmt.Sprintf("significant increase (p = %s) within the allowed effect: %s <= %s",
			fnum(o.p), eff, allowText(es.Measure, es.AllowedIncrease, true)))
	case r.W < half && !beyondDecrease(es.Measure, o.effect, es.AllowedDecrease):
		return o.with(ClassPass, RuleWithinAllowance, fmt.Sprintf("significant decrease (p = %s) within the allowed effect: %s >= %s",
			fnum(o.p), eff, allowText(es.Measure, es.AllowedDecrease, false)))
	case r.W > half:
		o.critical = m.Critical && beyondIncrease(es.Measure, o.effect, es.CriticalIncrease)
		return o.with(ClassHigh, RuleSignificantIncrease, fmt.Sprintf("significant increase (p = %s < %g) beyond the allowed effect: %s > %s",
			fnum(o.p), alpha, eff, allowText(es.Measure, es.AllowedIncrease, true)))
	default:
		o.critical = m.Critical && beyondDecrease(es.Measure, o.effect, es.CriticalDecrease)
		return o.with(ClassLow, RuleSignificantDecrease, fmt.Sprintf("significant decrease (p = %s < %g) beyond the allowed effect: %s < %s",
			fnum(o.p), alpha, eff, allowText(es.Measure, es.AllowedDecrease, false)))
	}
}

// beyondIncrease reports whether effect is strictly past the allowance.
func beyondIncrease(measure string, effect, allowed float64) bool {
	return effect > allowed
}

// beyondDecrease: mean_diff allowances are amounts, the others are values
// of the measure.
func beyondDecrease(measure string, effect, allowed float64) bool {
	if measure == MeasureMeanDiff {
		return effect < -allowed
	}
	return effect < allowed
}

func allowText(measure string, allowed float64, increase bool) string {
	if measure == MeasureMeanDiff && !increase {
		return fmt.Sprintf("%g", -allowed)
	}
	return fmt.Sprintf("%g", allowed)
}
