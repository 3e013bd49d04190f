package judge

import (
	"fmt"
	"math"
	"slices"
)

// outcome is a classifier's verdict on one metric with its numbers; NaN
// marks an undefined number.
type outcome struct {
	class      Classification
	rule       Rule
	reason     string
	critical   bool // a critical failure: zeroes the score
	nodataFail bool // Kayenta's NodataFailMetric: counts as a failure
	w, p       float64
	method     string
	est        float64
	lo, hi     float64
	level      float64
	effect     float64
	meanRatio  float64
}

func newOutcome() outcome {
	nan := math.NaN()
	return outcome{w: nan, p: nan, est: nan, lo: nan, hi: nan, effect: nan, meanRatio: nan}
}

func (o outcome) with(c Classification, r Rule, reason string) outcome {
	o.class, o.rule, o.reason = c, r, reason
	return o
}

// kayentaNoiseSeed seeds the noise Kayenta adds to constant samples, so the
// judge stays deterministic.
const kayentaNoiseSeed = 12345

// classifyKayenta is NetflixACAJudge-v1.0's MannWhitneyClassifier.classify
// with x = experiment (canary) and y = control (baseline), both already
// preprocessed.
func classifyKayenta(cs, bs sample, m Metric, opt KayentaOptions) outcome {
	exp, ctl := cs.vals, bs.vals
	o := newOutcome()
	o.level = opt.ConfLevel
	if len(exp) == 0 || len(ctl) == 0 {
		switch {
		case m.NaNStrategy == NaNReplace:
			return o.with(ClassPass, RuleEmptyReplaced, "a side has no data and nan_strategy is replace: Kayenta passes it")
		case m.MustHaveData && !m.Critical:
			o.nodataFail = true
			return o.with(ClassNoData, RuleNoDataFail, missingText(exp, ctl)+"; must_have_data counts it as a failure")
		}
		o.critical = m.Critical
		return o.with(ClassNoData, RuleNoData, missingText(exp, ctl))
	}
	if sameValues(cs, bs) {
		o.meanRatio = 1
		return o.with(ClassPass, RuleIdentical, "canary and baseline hold the same values")
	}
	var k *kmw
	if constant(exp) && constant(ctl) {
		rng := newJavaRandom(kayentaNoiseSeed)
		k = newKMW(addGaussianNoise(exp, 0, exp[0]*1e-5, rng), addGaussianNoise(ctl, 0, ctl[0]*1e-5, rng))
	} else {
		k = newKMWSorted(cs.sorted, bs.sorted)
	}
	lo, hi, est, err := k.interval(opt.ConfLevel)
	if err != nil {
		return o.with(ClassError, RuleStatsError, "Mann-Whitney interval failed: "+err.Error())
	}
	o.lo, o.hi, o.est, o.method = lo, hi, est, "kayenta"
	o.w, o.p = k.test()
	o.meanRatio = kayentaMeanRatio(exp, ctl)
	o.effect = o.meanRatio
	if m.EffectSize.Measure == MeasureCLES {
		o.effect = clesSorted(cs.sorted, bs.sorted)
	}
	es := m.EffectSize
	band := opt.Tolerance * math.Abs(est)
	ci := fmt.Sprintf("%g%% interval [%s, %s]", opt.ConfLevel*100, fnum(lo), fnum(hi))
	nanOr := func(ok bool) bool { return math.IsNaN(o.effect) || ok }
	switch {
	case m.Direction != DirDecrease && lo > band && nanOr(o.effect >= es.AllowedIncrease):
		o.critical = m.Critical && nanOr(o.effect >= es.CriticalIncrease)
		return o.with(ClassHigh, RuleSignificantIncrease, fmt.Sprintf("%s lies above the tolerance band +/-%s and %s %s >= %g",
			ci, fnum(band), es.Measure, fnum(o.effect), es.AllowedIncrease))
	case m.Direction != DirIncrease && hi < -band && nanOr(o.effect <= es.AllowedDecrease):
		o.critical = m.Critical && nanOr(o.effect <= es.CriticalDecrease)
		return o.with(ClassLow, RuleSignificantDecrease, fmt.Sprintf("%s lies below the tolerance band +/-%s and %s %s <= %g",
			ci, fnum(band), es.Measure, fnum(o.effect), es.AllowedDecrease))
	}
	return o.with(ClassPass, RuleWithinTolerance, fmt.Sprintf("%s does not clear the tolerance band +/-%s in a direction that fails (%s)",
		ci, fnum(band), m.Direction))
}

// classifyMeanInequality is Kayenta's benchmarking classifier (not used by
// the judge): High when the experiment mean is greater, Low when smaller.
func classifyMeanInequality(exp, ctl []float64, dir Direction) Classification {
	if len(exp) == 0 || len(ctl) == 0 {
		return ClassNoData
	}
	me, mc := kmean(exp), kmean(ctl)
	switch {
	case dir != DirDecrease && me > mc:
		return ClassHigh
	case dir != DirIncrease && me < mc:
		return ClassLow
	}
	return ClassPass
}

func missingText(exp, ctl []float64) string {
	switch {
	case len(exp) == 0 && len(ctl) == 0:
		return "no data on either side"
	case len(exp) == 0:
		return "no canary data"
	}
	return "no baseline data"
}

// sameValues reports whether both sides hold the same multiset of values,
// or one single value between them (Kayenta passes both).
func sameValues(a, b sample) bool {
	x, y := a.sorted, b.sorted
	if x[0] == x[len(x)-1] && y[0] == y[len(y)-1] && x[0] == y[0] {
		return true
	}
	return slices.Equal(x, y)
}

// constant reports whether every value of xs equals the first (xs non-empty).
func constant(xs []float64) bool {
	for _, x := range xs[1:] {
		if x != xs[0] {
			return false
		}
	}
	return true
}

// fnum formats a number for reasons: 4 significant digits, "n/a" for NaN.
func fnum(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.4g", x)
}
