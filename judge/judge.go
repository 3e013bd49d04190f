// Package judge is canaryjudge's domain core: policies (the trigger and
// signal table), metric classification, weighted scoring and the decision
// engine. It is pure (no HTTP, no SQL, no clock reads) so that the HTTP
// API, the CLI and tests all judge the same way.
//
// Judge classifies each metric of a window in one of two modes. kayenta
// reproduces Netflix's NetflixACAJudge-v1.0 (its acceptance cases run from
// ../shared/acceptance/kayenta). default fixes Kayenta's known weaknesses:
// too few points is nodata, p-values are exact where R's are, a metric fails
// only when significant AND beyond its allowed effect, effect sizes stay
// finite on a zero baseline, and absolute ceilings fail in one window.
package judge

import (
	"fmt"
	"math"
	"strings"
)

// Judge compares canary with baseline plain series under policy p and
// returns the explained verdict of one analysis window; see JudgeSides.
func Judge(p Policy, canary, baseline map[string][]float64) (Result, error) {
	return JudgeSides(p, Side{Series: canary}, Side{Series: baseline})
}

// JudgeSides compares canary with baseline under policy p and returns the
// explained verdict of one analysis window. It is pure and deterministic.
//
// Metrics are keyed by name: plain series, or events and totals for count
// metrics. A metric of the policy that is missing from a side, or whose
// series holds no real point (only NaN/null, whatever the nan_strategy), or
// a count metric without traffic, has no data on that side: in default mode
// it is nodata, and if it is critical, must_have_data, or half of all
// metrics lack data the verdict is nodata (wait, then escalate; never pass,
// never fail on missing data). Kayenta mode treats it as Kayenta does
// (Nodata, NodataFailMetric, or Pass with nan_strategy replace).
//
// Every error is a *ValidationError: an invalid policy (fields as in
// ParsePolicy), data for a metric the policy does not name
// ("canary.foo"), data in the wrong shape for its kind, an impossible value
// ("canary.latency_p99[3]": infinite, negative for a latency, ratio or
// count, above 1 for a ratio, events above total) or a series longer than
// MaxPoints.
func JudgeSides(p Policy, canary, baseline Side) (Result, error) {
	v := &ValidationError{}
	p.validate(v, "")
	p = p.withDefaults()
	validateSide(v, p, "canary", canary)
	validateSide(v, p, "baseline", baseline)
	if err := v.Err(); err != nil {
		return Result{}, err
	}
	res := Result{
		Mode: p.Mode, PolicyVersion: p.Version, Thresholds: p.Thresholds,
		Metrics:          make([]MetricResult, 0, len(p.Metrics)),
		CeilingBreaches:  []string{},
		BaselineBreaches: []string{},
		CriticalFailures: []string{},
	}
	for _, m := range p.Metrics {
		cu, bu := scanSide(canary, m.Name), scanSide(baseline, m.Name)
		mr := judgeMetric(p, m, representableOnly(canary, m.Name, cu), representableOnly(baseline, m.Name, bu))
		mr = applyNonFinite(applyCeiling(mr, m), m, p.Mode, cu, bu)
		res.Metrics = append(res.Metrics, mr)
		if mr.Ceiling != nil && mr.Ceiling.CanaryBreached {
			res.CeilingBreaches = append(res.CeilingBreaches, m.Name)
		}
		if ck := mr.Ceiling; ck != nil && (ck.BaselineBreached || (ck.CanaryBreached && ck.BaselineNear)) {
			res.BaselineBreaches = append(res.BaselineBreaches, m.Name)
		}
		if mr.CriticalFailure {
			res.CriticalFailures = append(res.CriticalFailures, m.Name)
		}
	}
	if p.Mode == ModeKayenta {
		verdictKayenta(&res, p)
	} else {
		verdictDefault(&res, p)
	}
	return res, nil
}

// judgeMetric judges one metric of representable data in the policy's mode.
func judgeMetric(p Policy, m Metric, canary, baseline Side) MetricResult {
	cI, bI := canary.Instances[m.Name], baseline.Instances[m.Name]
	switch {
	case p.Mode == ModeKayenta:
		return judgeKayenta(p, m, canary.plain(m.Name), baseline.plain(m.Name))
	case cI.Len() >= 2 && bI.Len() >= 2:
		return judgeReplicates(p, m, cI, bI)
	case m.Kind == KindCount:
		return judgeCounts(p, m, canary.count(m.Name), baseline.count(m.Name))
	}
	return judgeDefault(p, m, canary.plain(m.Name), baseline.plain(m.Name))
}

// representableOnly is s, or s with metric name's unrepresentable points made missing.
func representableOnly(s Side, name string, u unrepresentable) Side {
	if u.total() == 0 {
		return s
	}
	return scrubbed(s, name)
}

// maxPointErrors bounds the per-point problems reported for one series.
const maxPointErrors = 10

// judgeKayenta preprocesses both sides, classifies them as Kayenta does and
// checks the ceiling, which overrides the classification when breached.
func judgeKayenta(p Policy, m Metric, rawC, rawB []float64) MetricResult {
	cleanC, finC, nanC, outC := preprocess(rawC, m)
	cleanB, finB, nanB, outB := preprocess(rawB, m)
	cs, bs := newSample(finC), newSample(finB)
	o := classifyKayenta(cs, bs, m, p.Kayenta)
	mr := MetricResult{
		Name: m.Name, Group: m.Group, Direction: m.Direction, Critical: m.Critical,
		Classification: o.class, Rule: o.rule, Reason: o.reason, CriticalFailure: o.critical,
		N: len(finC), M: len(finB),
		W: num(o.w), PValue: num(o.p), Method: o.method, Estimate: num(o.est),
		Effect: Effect{
			Measure: m.EffectSize.Measure, Value: num(o.effect),
			AllowedIncrease: m.EffectSize.AllowedIncrease, AllowedDecrease: m.EffectSize.AllowedDecrease,
		},
		MeanRatio: num(o.meanRatio),
		Canary:    sideStats(rawC, cs, nanC, outC),
		Baseline:  sideStats(rawB, bs, nanB, outB),
	}
	if !math.IsNaN(o.lo) || !math.IsNaN(o.hi) {
		mr.Interval = &Interval{Lower: num(o.lo), Upper: num(o.hi), Level: o.level}
	}
	if m.Ceiling != nil {
		mr.Ceiling = checkCeiling(m, cleanC, cleanB, p.Alpha, pooledAlpha(p))
	}
	return mr
}

func label(score float64, t Thresholds) Verdict {
	switch {
	case score >= t.Pass:
		return VerdictPass
	case score >= t.Marginal:
		return VerdictMarginal
	}
	return VerdictFail
}

func scoreText(score float64, t Thresholds) string {
	return fmt.Sprintf("score %.2f (pass >= %g, marginal >= %g)", score, t.Pass, t.Marginal)
}

func joinNames(names []string) string { return strings.Join(names, ", ") }
