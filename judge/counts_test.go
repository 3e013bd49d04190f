package judge

import (
	"math"
	"strings"
	"testing"
)

func countPolicy(dir Direction, inc, dec, floor float64) Policy {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "errors", Kind: KindCount, Group: "errors", Direction: dir, Critical: true,
		EffectSize: EffectSize{AllowedIncrease: inc, AllowedDecrease: dec, Floor: floor}}}
	return p
}

// even spreads events and totals over n points as evenly as integers allow
// (no extra-binomial noise to estimate).
func even(events, total float64, n int) Count {
	c := Count{Events: make([]float64, n), Total: make([]float64, n)}
	for i := range n {
		c.Total[i] = math.Floor(total*float64(i+1)/float64(n)) - math.Floor(total*float64(i)/float64(n))
		c.Events[i] = math.Floor(events*float64(i+1)/float64(n)) - math.Floor(events*float64(i)/float64(n))
	}
	return c
}

func judgeCounts1(t *testing.T, p Policy, c, b Count) MetricResult {
	t.Helper()
	return mustJudgeSides(t, p, Side{Counts: map[string]Count{"errors": c}}, Side{Counts: map[string]Count{"errors": b}}).Metrics[0]
}

func TestCountMetricsJudgedAsRates(t *testing.T) {
	tests := []struct {
		name                 string
		p                    Policy
		ce, ct, be, bt       float64
		class                Classification
		rule                 Rule
		lowerAbove, upperInf bool
	}{
		// Exact with zero baseline events: the ratio has no upper bound, and
		// 5 errors in 300 requests against none is still a regression.
		{"zero baseline events", countPolicy(DirIncrease, 1.2, 0, 0.0005), 5, 300, 0, 300, ClassHigh, RuleAboveAllowance, true, true},
		// Low counts: 3 against 1 proves nothing in one window.
		{"low counts", countPolicy(DirIncrease, 1.2, 0, 0.0005), 3, 300, 1, 300, ClassPass, RuleInconclusive, false, false},
		// Doubled errors at volume.
		{"errors x2 at volume", countPolicy(DirIncrease, 1.2, 0, 0.0005), 600, 60000, 300, 60000, ClassHigh, RuleAboveAllowance, true, false},
		// The floor: 3x of a tiny rate is below 0.05 percentage points.
		{"below the floor", countPolicy(DirIncrease, 1.2, 0, 0.0005), 30, 1e6, 10, 1e6, ClassPass, RuleWithinAllowance, true, false},
		// A success rate (common events) judged with its binomial variance:
		// 95 % -> 90 % on 3,000 attempts fails the 0.97 allowance.
		{"KPI decrease", countPolicy(DirDecrease, 0, 0.97, 0), 2700, 3000, 2850, 3000, ClassLow, RuleBelowAllowance, false, false},
		{"KPI within", countPolicy(DirDecrease, 0, 0.97, 0), 2845, 3000, 2850, 3000, ClassPass, RuleWithinAllowance, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := judgeCounts1(t, tt.p, even(tt.ce, tt.ct, 60), even(tt.be, tt.bt, 60))
			if m.Classification != tt.class || m.Rule != tt.rule || m.Method != "rate_exact" {
				t.Fatalf("%s/%s %s: %s", m.Classification, m.Rule, m.Method, m.Reason)
			}
			if tt.lowerAbove && !(*m.Effect.Lower > 1.2) {
				t.Errorf("lower bound %v", *m.Effect.Lower)
			}
			if tt.upperInf != (m.Effect.Upper == nil) {
				t.Errorf("upper bound %v, want unbounded %v", fmtPtr(m.Effect.Upper), tt.upperInf)
			}
			if m.Canary.Events == nil || *m.Canary.Events != tt.ce || *m.Baseline.Total != tt.bt || m.Canary.Scale == nil {
				t.Errorf("side stats %+v / %+v", m.Canary, m.Baseline)
			}
		})
	}
}

// Overdispersed counts (errors in bursts) widen the interval: the same
// sums judged as bursts cannot show what even counts show.
func TestBurstsWidenTheInterval(t *testing.T) {
	p := countPolicy(DirIncrease, 1.2, 0, 0)
	b := even(300, 60000, 60)
	smooth := judgeCounts1(t, p, even(420, 60000, 60), b)
	bursty := even(420, 60000, 60)
	for i := range bursty.Events {
		bursty.Events[i] = 0
	}
	for i := 0; i < 60; i += 10 { // all errors in six points
		bursty.Events[i] = 70
	}
	m := judgeCounts1(t, p, bursty, b)
	if smooth.Classification != ClassHigh || m.Classification != ClassPass || !(*m.Canary.Dispersion > 10) {
		t.Fatalf("smooth %s (%s); bursty %s dispersion %v (%s)", smooth.Classification, smooth.Reason, m.Classification, fmtPtr(m.Canary.Dispersion), m.Reason)
	}
}

func TestCountTrafficAndShape(t *testing.T) {
	p := countPolicy(DirIncrease, 1.2, 0, 0)
	m := judgeCounts1(t, p, even(0, 0, 10), even(3, 100, 10))
	if m.Classification != ClassNoData || m.Rule != RuleNoData {
		t.Errorf("no canary traffic: %s/%s", m.Classification, m.Rule)
	}
	p.Metrics[0].MinTotal = 500
	m = judgeCounts1(t, p, even(1, 400, 10), even(3, 1000, 10))
	if m.Classification != ClassNoData || m.Rule != RuleNoTraffic || !strings.Contains(m.Reason, "min_total is 500") {
		t.Errorf("below min_total: %s/%s %s", m.Classification, m.Rule, m.Reason)
	}
	bad := map[string]Side{
		"canary.errors: is a count metric":               {Series: Samples{"errors": {1, 2}}},
		"canary.errors.events[1]: must not exceed total": {Counts: map[string]Count{"errors": {Events: []float64{0, 5}, Total: []float64{1, 2}}}},
		"canary.errors.total[0]: must not be negative":   {Counts: map[string]Count{"errors": {Events: []float64{0, 0}, Total: []float64{-1, 2}}}},
		"canary.errors: events has 1 points and total 2": {Counts: map[string]Count{"errors": {Events: []float64{0}, Total: []float64{1, 2}}}},
	}
	for want, side := range bad {
		_, err := JudgeSides(p, side, Side{})
		if ve, ok := AsValidation(err); !ok || !hasProblem(ve, want) {
			t.Errorf("want %q, got %v", want, err)
		}
	}
}

// NaN replacement fills gaps, never invents a side: a critical metric
// whose canary points are all null is nodata whatever the strategy.
func TestAllNullSideIsNoData(t *testing.T) {
	for _, strategy := range []string{NaNReplace, NaNRemove} {
		p := DefaultPolicy()
		p.Metrics = []Metric{
			{Name: "error_ratio", Kind: KindRatio, Group: "errors", Direction: DirIncrease, Critical: true, NaNStrategy: strategy},
			{Name: "latency", Kind: KindLatency, Group: "latency", Direction: DirIncrease},
		}
		nulls := make([]float64, 60)
		for i := range nulls {
			nulls[i] = math.NaN()
		}
		r := newRNG(7)
		canary := map[string][]float64{"error_ratio": nulls, "latency": latency(r, 60, 0.2, 0.1)}
		base := map[string][]float64{"error_ratio": errorRatios(r, 60, 20, 0.001), "latency": latency(r, 60, 0.2, 0.1)}
		res := mustJudge(t, p, canary, base)
		m := res.Metrics[0]
		if m.Classification != ClassNoData || res.Verdict != VerdictNoData || res.Score != 0 {
			t.Errorf("%s: %s/%s verdict %s score %v", strategy, m.Classification, m.Rule, res.Verdict, res.Score)
		}
		if strategy == NaNReplace && !strings.Contains(m.Reason, "never invents a whole side") {
			t.Errorf("reason %q", m.Reason)
		}
	}
}

// Values a metric's kind cannot take are refused, naming the point.
func TestImpossibleValuesRejected(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{
		{Name: "latency", Kind: KindLatency, Group: "l", Direction: DirIncrease},
		{Name: "ratio", Kind: KindRatio, Group: "r", Direction: DirIncrease},
		{Name: "delta", Group: "g", Direction: DirEither},
	}
	c := map[string][]float64{"latency": {0.1, -0.2}, "ratio": {0.5, 1.5}, "delta": {-3, 2}}
	_, err := Judge(p, c, map[string][]float64{})
	ve, ok := AsValidation(err)
	if !ok {
		t.Fatalf("%v", err)
	}
	for _, want := range []string{"canary.latency[1]: must not be negative", "canary.ratio[1]: must be at most 1"} {
		if !hasProblem(ve, want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if hasProblem(ve, "canary.delta") {
		t.Errorf("a gauge may be negative: %v", err)
	}
}
