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
		if m.Rule == "" || m.Reason == "" || m.PValue == nil {
			t.Errorf("%s: rule %q reason %q p %v", m.Name, m.Rule, m.Reason, m.PValue)
		}
	}
}

// Three points per side can never be significant (the smallest exact p is
// 0.1), so a +650 % change would pass a significance-only judge. The
// default mode calls it nodata instead: wait for data, never pass.
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
	// With enough points the same regression fails.
	base, canary = latency(r, 10, 0.2, 0.1), scale(latency(r, 10, 0.2, 0.1), 7.5)
	res = mustJudge(t, p, map[string][]float64{"latency_p99": canary}, map[string][]float64{"latency_p99": base})
	if res.Metrics[0].Classification != ClassHigh || res.Verdict != VerdictFail {
		t.Errorf("10 points: %s, verdict %s", res.Metrics[0].Classification, res.Verdict)
	}
}

// The p-value is R's: exact below 50 points without ties.
func TestExactPValueExposed(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency_p50", Group: "latency", Direction: DirIncrease}}
	base := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	canary := []float64{11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
	m := mustJudge(t, p, map[string][]float64{"latency_p50": canary}, map[string][]float64{"latency_p50": base}).Metrics[0]
	want := 2 / 184756.0 // wilcox.test(11:20, 1:10)$p.value = 2/choose(20, 10)
	if m.Method != "exact" || m.PValue == nil || math.Abs(*m.PValue-want) > 1e-12 || *m.W != 100 {
		t.Fatalf("method %s p %v W %v, want exact %g", m.Method, fmtPtr(m.PValue), fmtPtr(m.W), want)
	}
	if m.Estimate == nil || *m.Estimate != 10 || m.Interval == nil || m.Interval.Level != 0.95 {
		t.Errorf("estimate %v interval %+v", fmtPtr(m.Estimate), m.Interval)
	}
	// Ties (error ratios full of zeros) switch to the normal approximation.
	r := newRNG(4)
	e := errorRatios(r, 40, 5, 0.002)
	m = mustJudge(t, p, map[string][]float64{"latency_p50": e}, map[string][]float64{"latency_p50": errorRatios(r, 40, 5, 0.002)}).Metrics[0]
	if m.Method != "normal" {
		t.Errorf("tied data: method %s", m.Method)
	}
}

// A metric fails only when the change is significant AND beyond the
// allowed effect.
func TestSignificanceAndEffectSize(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency_p99", Group: "latency", Direction: DirIncrease, EffectSize: EffectSize{AllowedIncrease: 1.2}}}
	tests := []struct {
		name   string
		n      int
		factor float64
		sigma  float64
		class  Classification
		rule   Rule
	}{
		{"a day of points, +3 %: significant but small", 1440, 1.03, 0.1, ClassPass, RuleWithinAllowance},
		{"a day of points, +35 %: significant and large", 1440, 1.35, 0.1, ClassHigh, RuleSignificantIncrease},
		{"a few noisy points, +35 %: not significant", 6, 1.35, 0.8, ClassPass, RuleNotSignificant},
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
		})
	}
}

// Effect sizes stay finite when the baseline is zero.
func TestZeroSafeEffectSizes(t *testing.T) {
	r := newRNG(5)
	zeros := make([]float64, 60)
	broken := errorRatios(r, 60, 20, 0.02) // the canary now fails 2 % of requests
	for _, measure := range []string{MeasureMeanRatio, MeasureMeanDiff, MeasureCLES} {
		t.Run(measure, func(t *testing.T) {
			p := DefaultPolicy()
			p.Metrics = []Metric{{Name: "error_ratio", Group: "errors", Direction: DirIncrease, EffectSize: EffectSize{Measure: measure}}}
			m := mustJudge(t, p, map[string][]float64{"error_ratio": broken}, map[string][]float64{"error_ratio": zeros}).Metrics[0]
			if m.Effect.Value == nil || math.IsInf(*m.Effect.Value, 0) || m.MeanRatio == nil {
				t.Fatalf("effect %v mean ratio %v", fmtPtr(m.Effect.Value), fmtPtr(m.MeanRatio))
			}
			if m.Classification != ClassHigh {
				t.Errorf("%s/%s: %s", m.Classification, m.Rule, m.Reason)
			}
			// Both sides all zero: identical, ratio 1.
			m = mustJudge(t, p, map[string][]float64{"error_ratio": zeros}, map[string][]float64{"error_ratio": zeros}).Metrics[0]
			if m.Classification != ClassPass || m.Rule != RuleIdentical || m.MeanRatio == nil || *m.MeanRatio != 1 {
				t.Errorf("all zeros: %s/%s ratio %v", m.Classification, m.Rule, fmtPtr(m.MeanRatio))
			}
		})
	}
	if got := safeMeanRatio(0.01, 0); got != ratioCap {
		t.Errorf("safeMeanRatio(0.01, 0) = %v", got)
	}
}

// An absolute ceiling fails a critical metric in one window, even on
// fewer points than min_samples, whatever the baseline does.
func TestCeilingFailsInOneWindow(t *testing.T) {
	p := servicePolicy()
	canary, base := healthyWindow(6), healthyWindow(7)
	canary["error_ratio"] = []float64{0.07, 0.09, 0.08}
	res := mustJudge(t, p, canary, base)
	m := metricResult(t, res, "error_ratio")
	if res.Verdict != VerdictFail || res.Rule != RuleCeilingVerdict || res.Score != 0 ||
		len(res.CeilingBreaches) != 1 || res.CeilingBreaches[0] != "error_ratio" {
		t.Fatalf("verdict %s rule %s score %v breaches %v", res.Verdict, res.Rule, res.Score, res.CeilingBreaches)
	}
	if m.Classification != ClassHigh || m.Rule != RuleCeiling || !m.Ceiling.CanaryBreached || *m.Ceiling.Canary != 0.08 {
		t.Errorf("metric %+v ceiling %+v", m, m.Ceiling)
	}
	// A baseline past the ceiling is reported for the baseline-health guard.
	canary, base = healthyWindow(8), healthyWindow(9)
	base["error_ratio"] = scale(base["error_ratio"], 0)
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
	if m.Classification != ClassLow || m.Rule != RuleSignificantDecrease || res.Verdict != VerdictMarginal || res.Score != 80 {
		t.Fatalf("%s/%s verdict %s score %v", m.Classification, m.Rule, res.Verdict, res.Score)
	}
	if !strings.Contains(m.Reason, "beyond the allowed effect") {
		t.Errorf("reason %q", m.Reason)
	}
}
