package judge

import (
	"math"
	"strings"
	"testing"
)

func TestHealthyCanaryPasses(t *testing.T) {
	res := mustJudge(t, servicePolicy(), healthyWindow(1), healthyWindow(2))
	if res.Verdict != VerdictPass || res.Score != 100 {
		t.Fatalf("verdict %s score %v: %s", res.Verdict, res.Score, res.Reason)
	}
	for _, m := range res.Metrics {
		if m.Rule == "" || m.Reason == "" || m.PValue == nil || m.Effect.Level != 0.9 || m.Effect.Lower == nil || m.Effect.Upper == nil {
			t.Errorf("%s: rule %q reason %q p %v effect %+v", m.Name, m.Rule, m.Reason, m.PValue, m.Effect)
		}
		if m.Canary.NEff == nil || m.Canary.SE == nil || m.Canary.Autocorrelation == nil {
			t.Errorf("%s: the interval's basis is not reported: %+v", m.Name, m.Canary)
		}
	}
}

// Three points per side is nodata in default mode: wait for data, never
// pass, whatever the change.
func TestTooFewPointsIsNoDataNeverPass(t *testing.T) {
	r := newRNG(3)
	base := latency(r, 3, 0.2, 0.1)
	canary := scale(latency(r, 3, 0.2, 0.1), 7.5)
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency_p99", Group: "latency", Direction: DirIncrease}}
	res := mustJudge(t, p, map[string][]float64{"latency_p99": canary}, map[string][]float64{"latency_p99": base})
	m := res.Metrics[0]
	if m.Classification != ClassNoData || m.Rule != RuleInsufficientSamples || res.Verdict != VerdictNoData {
		t.Fatalf("default: %s/%s verdict %s", m.Classification, m.Rule, res.Verdict)
	}
	base, canary = latency(r, 10, 0.2, 0.1), scale(latency(r, 10, 0.2, 0.1), 7.5)
	res = mustJudge(t, p, map[string][]float64{"latency_p99": canary}, map[string][]float64{"latency_p99": base})
	if res.Metrics[0].Classification != ClassHigh || res.Metrics[0].Rule != RuleAboveAllowance || res.Verdict != VerdictFail {
		t.Errorf("10 points: %s/%s, verdict %s", res.Metrics[0].Classification, res.Metrics[0].Rule, res.Verdict)
	}
}

// A metric fails only when its whole interval lies beyond the allowance in
// a bad direction: significance alone never fails it.
func TestIntervalAgainstAllowance(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency_p99", Group: "latency", Direction: DirIncrease, EffectSize: EffectSize{AllowedIncrease: 1.2}}}
	tests := []struct {
		name          string
		n             int
		factor, sigma float64
		class         Classification
		rule          Rule
	}{
		{"a day of points, +3 %: significant, within the allowance", 1440, 1.03, 0.1, ClassPass, RuleWithinAllowance},
		{"a day of points, +35 %: the whole interval above 1.2", 1440, 1.35, 0.1, ClassHigh, RuleAboveAllowance},
		{"a few noisy points, +35 %: the interval reaches below 1.2", 6, 1.35, 0.8, ClassPass, RuleInconclusive},
		{"faster canary: a change the policy allows", 60, 0.6, 0.1, ClassPass, RuleAllowedDirection},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRNG(uint64(10 + i))
			base := latency(r, tt.n, 0.8, tt.sigma)
			canary := scale(latency(r, tt.n, 0.8, tt.sigma), tt.factor)
			m := mustJudge(t, p, map[string][]float64{"latency_p99": canary}, map[string][]float64{"latency_p99": base}).Metrics[0]
			if m.Classification != tt.class || m.Rule != tt.rule {
				t.Fatalf("%s/%s (%s), want %s/%s", m.Classification, m.Rule, m.Reason, tt.class, tt.rule)
			}
			lo, hi := *m.Effect.Lower, *m.Effect.Upper
			switch tt.rule {
			case RuleAboveAllowance:
				if !(lo > 1.2) {
					t.Errorf("fails with lower bound %v <= 1.2", lo)
				}
			case RuleInconclusive:
				if !(lo <= 1.2 && hi > 1.2) {
					t.Errorf("inconclusive with interval [%v, %v]", lo, hi)
				}
			case RuleWithinAllowance:
				if !(hi <= 1.2) || !(*m.PValue < 0.05) {
					t.Errorf("within with interval [%v, %v], p %v (the case needs a significant change)", lo, hi, *m.PValue)
				}
			}
		})
	}
}

// ar1Series is n points of an AR(1) series with coefficient phi and
// marginal sd sd around mean.
func ar1Series(seed uint64, n int, mean, sd, phi float64) []float64 {
	r := newRNG(seed)
	out := make([]float64, n)
	x := r.NormFloat64()
	for i := range out {
		out[i] = mean + sd*x
		x = phi*x + math.Sqrt(1-phi*phi)*r.NormFloat64()
	}
	return out
}

// The same marginal noise, autocorrelated, gives a wider interval: fewer
// effective points, reported with the autocorrelation.
func TestIntervalWidensUnderAutocorrelation(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "cpu", Group: "saturation", Direction: DirIncrease}}
	width := func(phi float64) (float64, MetricResult) {
		c, b := ar1Series(1, 60, 41, 4, phi), ar1Series(2, 60, 40, 4, phi)
		m := mustJudge(t, p, map[string][]float64{"cpu": c}, map[string][]float64{"cpu": b}).Metrics[0]
		return *m.Effect.Upper - *m.Effect.Lower, m
	}
	wIID, iid := width(0)
	wAR, ar := width(0.8)
	if !(wAR > 2*wIID) {
		t.Errorf("interval width %v at phi 0.8 vs %v iid: not honest about dependence", wAR, wIID)
	}
	if !(*ar.Canary.NEff < 20 && *iid.Canary.NEff > 40 && *ar.Canary.Autocorrelation > 0.5) {
		t.Errorf("n_eff %v (AR) vs %v (iid), autocorrelation %v", *ar.Canary.NEff, *iid.Canary.NEff, *ar.Canary.Autocorrelation)
	}
	// A persistent +12 % offset on AR(0.8) noise is "significant" to a
	// test that counts 60 points as independent, but its interval is honest
	// about the 7 or so effective points and reaches below the allowance.
	c, b := ar1Series(3, 60, 44.8, 4, 0.8), ar1Series(4, 60, 40, 4, 0.8)
	m := mustJudge(t, p, map[string][]float64{"cpu": c}, map[string][]float64{"cpu": b}).Metrics[0]
	if m.Classification != ClassPass {
		t.Errorf("+12 %% on AR(0.8) points: %s (%s)", m.Classification, m.Reason)
	}
}

// Effect sizes stay finite when the baseline is zero, and a canary whose
// rate went from nothing to 2 % fails.
func TestZeroSafeEffectSizes(t *testing.T) {
	r := newRNG(5)
	zeros := make([]float64, 60)
	broken := errorRatios(r, 60, 20, 0.02) // the canary now fails 2 % of requests
	for _, measure := range []string{MeasureMeanRatio, MeasureMeanDiff, MeasureCLES} {
		t.Run(measure, func(t *testing.T) {
			p := DefaultPolicy()
			p.Metrics = []Metric{{Name: "error_ratio", Kind: KindRatio, Group: "errors", Direction: DirIncrease, EffectSize: EffectSize{Measure: measure}}}
			m := mustJudge(t, p, map[string][]float64{"error_ratio": broken}, map[string][]float64{"error_ratio": zeros}).Metrics[0]
			if m.Effect.Value == nil || math.IsInf(*m.Effect.Value, 0) || m.MeanRatio == nil {
				t.Fatalf("effect %v mean ratio %v", fmtPtr(m.Effect.Value), fmtPtr(m.MeanRatio))
			}
			if m.Classification != ClassHigh {
				t.Errorf("%s/%s: %s", m.Classification, m.Rule, m.Reason)
			}
			m = mustJudge(t, p, map[string][]float64{"error_ratio": zeros}, map[string][]float64{"error_ratio": zeros}).Metrics[0]
			if m.Classification != ClassPass || m.MeanRatio == nil || *m.MeanRatio != 1 {
				t.Errorf("all zeros: %s/%s ratio %v", m.Classification, m.Rule, fmtPtr(m.MeanRatio))
			}
		})
	}
	if got := safeMeanRatio(0.01, 0); got != ratioCap {
		t.Errorf("safeMeanRatio(0.01, 0) = %v", got)
	}
}

// An absolute ceiling fails a critical metric in one window, whatever the
// baseline does, once the window shows the level is above it: fewer points
// than min_samples cannot breach (too little data is nodata).
func TestCeilingFailsInOneWindow(t *testing.T) {
	p := servicePolicy()
	canary, base := healthyWindow(6), healthyWindow(7)
	canary["error_ratio"] = []float64{0.07, 0.09, 0.08}
	res := mustJudge(t, p, canary, base)
	if m := metricResult(t, res, "error_ratio"); len(res.CeilingBreaches) != 0 || m.Ceiling.CanaryBreached || m.Classification != ClassNoData {
		t.Fatalf("3 points breached: %s %+v", m.Classification, m.Ceiling)
	}
	canary["error_ratio"] = []float64{0.07, 0.09, 0.08, 0.085, 0.075, 0.08}
	res = mustJudge(t, p, canary, base)
	m := metricResult(t, res, "error_ratio")
	if res.Verdict != VerdictFail || res.Rule != RuleCeilingVerdict || res.Score != 0 ||
		len(res.CeilingBreaches) != 1 || res.CeilingBreaches[0] != "error_ratio" {
		t.Fatalf("verdict %s rule %s score %v breaches %v", res.Verdict, res.Rule, res.Score, res.CeilingBreaches)
	}
	if m.Classification != ClassHigh || m.Rule != RuleCeiling || !m.Ceiling.CanaryBreached || *m.Ceiling.Canary != 0.08 || !(*m.Ceiling.CanaryLower > 0.05) {
		t.Errorf("metric %+v ceiling %+v", m, m.Ceiling)
	}
	// Two points of 0.2 among six (one error in five requests, twice) are
	// a mean of 0.067, above 0.05, but not evidence of it.
	canary["error_ratio"] = []float64{0, 0.2, 0, 0, 0.2, 0}
	res = mustJudge(t, p, canary, base)
	if m := metricResult(t, res, "error_ratio"); m.Ceiling.CanaryBreached || *m.Ceiling.CanaryLower > 0.05 {
		t.Errorf("0/0.2 points breached: %+v", m.Ceiling)
	}
	canary, base = healthyWindow(8), healthyWindow(9)
	for i := range base["error_ratio"] {
		base["error_ratio"][i] = 0.06
	}
	res = mustJudge(t, p, canary, base)
	if len(res.BaselineBreaches) != 1 || len(res.CeilingBreaches) != 0 {
		t.Errorf("baseline breaches %v ceiling breaches %v", res.BaselineBreaches, res.CeilingBreaches)
	}
}

func TestRequestRateDrop(t *testing.T) {
	canary, base := healthyWindow(11), healthyWindow(12)
	canary["request_rate"] = scale(canary["request_rate"], 0.5)
	res := mustJudge(t, servicePolicy(), canary, base)
	m := metricResult(t, res, "request_rate")
	// request_rate's group shares the 20 % the weights leave: 80 is marginal.
	if m.Classification != ClassLow || m.Rule != RuleBelowAllowance || res.Verdict != VerdictMarginal || res.Score != 80 {
		t.Fatalf("%s/%s verdict %s score %v", m.Classification, m.Rule, res.Verdict, res.Score)
	}
	if !strings.Contains(m.Reason, "lies below the allowed decrease 0.8") {
		t.Errorf("reason %q", m.Reason)
	}
}
