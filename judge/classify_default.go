package judge

import (
	"fmt"
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// The default mode judges what real canary data looks like, not iid
// textbook samples:
//   - a side without real points is nodata whatever the NaN strategy (a
//     replacement fills gaps, it never invents a side), and so is one with
//     fewer than min_samples real points or, for counts, no traffic;
//   - each metric's effect (ratio or difference of means, rate ratio of
//     counts, cles) gets a two-sided 1-alpha interval that is honest about
//     autocorrelation between points (see judge/stats: effective sample
//     sizes from the lag-1 autocorrelation; quasi-likelihood scales for
//     counts);
//   - a metric fails only when that whole interval lies beyond the
//     allowance in a direction the policy calls bad; significance alone
//     never fails it, and a change in the allowed direction never does;
//   - the effect stays finite on a zero baseline.
//
// Missing data never fails a metric: the verdict becomes nodata and the
// decision engine waits, then escalates.

// judgeDefault judges a plain series.
func judgeDefault(p Policy, m Metric, rawC, rawB []float64) MetricResult {
	cleanC, finC, nanC, outC := preprocess(rawC, m)
	cleanB, finB, nanB, outB := preprocess(rawB, m)
	mr := newMetricResult(m)
	realC, realB := len(rawC)-nanC, len(rawB)-nanB
	ev := evidence{c: stats.MomentsOf(finC), b: stats.MomentsOf(finB)}
	sc, sb := newSample(finC), newSample(finB) // sorted once, for the stats and cles
	mr.Canary = momentStats(rawC, sc, nanC, outC, ev.c)
	mr.Baseline = momentStats(rawB, sb, nanB, outB, ev.b)
	mr.N, mr.M = len(finC), len(finB)
	if m.Ceiling != nil {
		mr.Ceiling = checkCeiling(m, cleanC, cleanB, p.Alpha, pooledAlpha(p))
	}
	switch {
	case realC == 0 || realB == 0:
		return noData(mr, m, missingSide(realC, realB, m))
	case realC < m.MinSamples || realB < m.MinSamples || len(finC) < m.MinSamples || len(finB) < m.MinSamples:
		mr.Classification, mr.Rule = ClassNoData, RuleInsufficientSamples
		mr.Reason = fmt.Sprintf("canary has %d real points and baseline %d (%d and %d after outlier removal); min_samples is %d per side",
			realC, realB, len(finC), len(finB), m.MinSamples)
		return mr
	}
	if m.EffectSize.Measure == MeasureCLES {
		ev.cs, ev.bs = sc.sorted, sb.sorted
	}
	return classifyEffect(mr, m, testEffect(ev, m, p.Alpha))
}

// judgeCounts judges a count metric as a rate.
func judgeCounts(p Policy, m Metric, c, b Count) MetricResult {
	mr := newMetricResult(m)
	cc, nanC := countsOf(c)
	bc, nanB := countsOf(b)
	mr.Canary, mr.Baseline = countStats(c, nanC, cc), countStats(b, nanB, bc)
	mr.N, mr.M = cc.Points, bc.Points
	if m.Ceiling != nil {
		mr.Ceiling = rateCeiling(m, cc, bc, p.Alpha, pooledAlpha(p))
	}
	switch {
	case cc.Total <= 0 || bc.Total <= 0:
		return noData(mr, m, fmt.Sprintf("no traffic: total %g on the canary and %g on the baseline", cc.Total, bc.Total))
	case cc.Total < m.MinTotal || bc.Total < m.MinTotal:
		mr.Classification, mr.Rule = ClassNoData, RuleNoTraffic
		mr.Reason = fmt.Sprintf("total %g on the canary and %g on the baseline; min_total is %g per side", cc.Total, bc.Total, m.MinTotal)
		return mr
	}
	return classifyEffect(mr, m, testRates(cc, bc, m.EffectSize, p.Alpha))
}

func newMetricResult(m Metric) MetricResult {
	return MetricResult{Name: m.Name, Group: m.Group, Kind: m.Kind, Direction: m.Direction, Critical: m.Critical,
		Effect: Effect{Measure: m.EffectSize.Measure, AllowedIncrease: m.EffectSize.AllowedIncrease,
			AllowedDecrease: m.EffectSize.AllowedDecrease, Floor: m.EffectSize.Floor}}
}

func noData(mr MetricResult, m Metric, why string) MetricResult {
	mr.Classification, mr.Rule, mr.Reason = ClassNoData, RuleNoData, why
	if m.MustHaveData {
		mr.Rule = RuleNoDataFail
	}
	return mr
}

// classifyEffect turns an effect test into the metric's classification.
func classifyEffect(mr MetricResult, m Metric, t effectTest) MetricResult {
	mr.PValue, mr.Method = num(t.p), t.method
	mr.Estimate = num(t.diff)
	mr.Interval = &Interval{Lower: num(t.diffLo), Upper: num(t.diffHi), Level: t.level}
	mr.Effect.Value, mr.Effect.Lower, mr.Effect.Upper, mr.Effect.Level = num(t.value), num(t.lo), num(t.hi), t.level
	mr.MeanRatio = num(t.ratio)
	badUp := t.up && m.Direction != DirDecrease
	badDn := t.down && m.Direction != DirIncrease
	inside := (t.insideUp || m.Direction == DirDecrease) && (t.inDn || m.Direction == DirIncrease)
	desc := describeEffect(t, m)
	switch {
	case badUp:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassHigh, RuleAboveAllowance, m.Critical && t.critUp
		mr.Reason = desc + " lies above the allowed increase " + allowedText(m, true)
	case badDn:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassLow, RuleBelowAllowance, m.Critical && t.critDn
		mr.Reason = desc + " lies below the allowed decrease " + allowedText(m, false)
	case t.up || t.down:
		mr.Classification, mr.Rule = ClassPass, RuleAllowedDirection
		mr.Reason = desc + " is beyond the allowance in the direction " + string(m.Direction) + " allows"
	case inside:
		mr.Classification, mr.Rule = ClassPass, RuleWithinAllowance
		mr.Reason = desc + " lies within the allowance " + allowanceText(m)
	default:
		mr.Classification, mr.Rule = ClassPass, RuleInconclusive
		mr.Reason = desc + " reaches past the allowance " + allowanceText(m) + " but not all of it: no evidence of a regression yet"
	}
	if t.unboundedReason != "" {
		mr.Reason += " (" + t.unboundedReason + ")"
	}
	return mr
}

// applyCeiling fails the metric at once when the canary breached its
// absolute ceiling.
func applyCeiling(mr MetricResult, m Metric) MetricResult {
	if mr.Ceiling == nil || !mr.Ceiling.CanaryBreached {
		return mr
	}
	mr.Classification, mr.Rule, mr.CriticalFailure = ClassHigh, RuleCeiling, true
	mr.Reason = breachText(mr.Ceiling) + " (fails at once, whatever the baseline does)"
	return mr
}

func describeEffect(t effectTest, m Metric) string {
	pct := int(math.Round(t.level * 100))
	return fmt.Sprintf("%s %s [%s, %s] (%d %% interval)", m.EffectSize.Measure, fnum(t.value), bound(t.lo), bound(t.hi), pct)
}

func bound(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "+inf"
	case math.IsInf(x, -1):
		return "-inf"
	}
	return fnum(x)
}

func allowedText(m Metric, increase bool) string {
	e := m.EffectSize
	s := allowText(e.Measure, e.AllowedIncrease, true)
	if !increase {
		s = allowText(e.Measure, e.AllowedDecrease, false)
	}
	if e.Floor > 0 {
		s += fmt.Sprintf(" and the floor %g", e.Floor)
	}
	return s
}

func allowanceText(m Metric) string {
	e := m.EffectSize
	switch m.Direction {
	case DirIncrease:
		return "<= " + allowedText(m, true)
	case DirDecrease:
		return ">= " + allowedText(m, false)
	}
	return fmt.Sprintf("[%s, %s]", allowText(e.Measure, e.AllowedDecrease, false), allowText(e.Measure, e.AllowedIncrease, true))
}

func allowText(measure string, allowed float64, increase bool) string {
	if measure == MeasureMeanDiff && !increase {
		return fmt.Sprintf("%g", -allowed)
	}
	return fmt.Sprintf("%g", allowed)
}

// missingSide says which side has no real point; with nan_strategy replace
// it says that nulls were not turned into a side of zeros.
func missingSide(realC, realB int, m Metric) string {
	s := "no data on either side"
	switch {
	case realC == 0 && realB > 0:
		s = "no canary data"
	case realB == 0 && realC > 0:
		s = "no baseline data"
	}
	if m.NaNStrategy == NaNReplace {
		s += " (nan_strategy replace fills gaps in a series, it never invents a whole side)"
	}
	return s
}
