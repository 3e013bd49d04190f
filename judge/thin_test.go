package judge

import (
	"math"
	"strings"
	"testing"
	"time"
)

// A KPI success ratio at a handful of requests a point: most points are
// empty (0/0), the rest 1 or 0, so each window holds one or two points,
// equal within it. Such windows have no within-window variance; pooled,
// they once "showed" a 0.82 success ratio below the 0.98 allowance with an
// interval of no width (issue 19: 0.7 % of healthy low-traffic releases
// rolled back at 1-minute windows). Too little data is no evidence: the
// pool neither rolls back on it nor settles it.
func TestThinWindowsNeitherRollBackNorSettle(t *testing.T) {
	p, err := parseAny([]byte(`
metrics:
  - {name: checkout_success, kind: ratio, group: kpi, direction: decrease, effect_size: {measure: mean_ratio, allowed_decrease: 0.98}}
windows: {interval: 1m, min_windows: 3, max_windows: 120}
`))
	if err != nil {
		t.Fatal(err)
	}
	nan := math.NaN()
	canary := [][]float64{{1, 1, nan, nan, nan, nan}, {0, nan, 0, nan, nan, nan}, {1, 1, nan, nan, nan, nan}, {nan, 1, 1, nan, nan, nan}, {0, 0, nan, nan, nan, nan}, {1, nan, nan, nan, 1, nan}}
	base := []float64{1, 1, nan, nan, nan, nan}
	var hist []Window
	for i, c := range canary {
		res := mustJudge(t, p, map[string][]float64{"checkout_success": c}, map[string][]float64{"checkout_success": base})
		start := t0.Add(time.Duration(i) * time.Minute)
		in := AnalysisInput{Policy: p, CreatedAt: t0, Result: &res, Start: start, End: start.Add(time.Minute), History: hist}
		d, _ := Decide(in)
		if d.Action == ActionRollback || d.Action == ActionPromote {
			t.Fatalf("window %d: %s (%s): %s", i+1, d.Action, d.Reason, d.Message)
		}
		hist = append(hist, in.Window())
	}
	pooled := Pooled(p, hist)
	if pooled == nil || len(pooled.Metrics) != 1 {
		t.Fatalf("pooled: %+v", pooled)
	}
	m := pooled.Metrics[0]
	if m.Classification != ClassNoData || !strings.Contains(m.Reason, "degrees of freedom") {
		t.Errorf("pooled checkout_success: %s %q, want nodata naming the missing degrees of freedom", m.Classification, m.Reason)
	}
	if len(pooled.Unsettled) != 1 {
		t.Errorf("unsettled %v, want checkout_success", pooled.Unsettled)
	}
}

// At the end of a lifetime, a critical metric whose interval at the
// policy's level lies wholly beyond its allowance fails, though the
// canary cannot be told from its baseline at the pooled level (every look
// of the lifetime corrected for): errors x5 at 0.5 requests/s were
// promoted as "too little data, noise" in 1 % of releases. A metric that
// is not critical keeps the noise reading.
func TestLifetimeEndNeverPromotesACriticalMetricShownBeyond(t *testing.T) {
	m := Metric{Name: "error_ratio", Kind: KindRatio, Direction: DirIncrease, Critical: true,
		EffectSize: EffectSize{Measure: MeasureMeanDiff, AllowedIncrease: 0.0025}}
	at := effectTest{diff: 0.0078, lo: 0.0033, hi: 0.0124, diffLo: 0.0033, diffHi: 0.0124, up: true}
	strict := effectTest{diff: 0.0078, diffLo: -0.0024, diffHi: 0.018}
	mr := finalEffect(m, at, strict, 120)
	if mr.Classification != ClassHigh || mr.Rule != RuleEstimateBeyond || !mr.CriticalFailure {
		t.Errorf("critical: %s %s critical=%v: %s", mr.Classification, mr.Rule, mr.CriticalFailure, mr.Reason)
	}
	m.Critical = false
	if mr := finalEffect(m, at, strict, 120); mr.Classification != ClassPass || mr.Rule != RuleInconclusive {
		t.Errorf("not critical: %s %s: %s", mr.Classification, mr.Rule, mr.Reason)
	}
}
