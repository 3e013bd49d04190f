package judge

import (
	"fmt"
	"math"
	"strconv"
)

// Pooled evidence.
//
// One window of a low-traffic service cannot show that 6 errors against 1
// are a regression, and one window of a noisy latency cannot show a +25 %
// shift that is there all along. The decision engine therefore also judges
// each metric on all windows of the release pooled: the sums of counts, the
// point-weighted means with their standard errors. Three rules keep pooling
// honest:
//   - one anomalous window (a spike) must not dominate, and a sustained
//     shift must never look smaller the longer it lasts. With three or more
//     windows the pool leaves out a window only when its effect lies far
//     (spikeZ robust sds) from the median of all of them, in either
//     direction (trimmed). A spike goes; under a sustained shift every
//     window moves together, nothing is an outlier, nothing is left out,
//     and the estimate is centred on the truth (sim/pooling_test.go
//     measures it). Leaving out the worst window regardless, or every
//     window in which the metric failed, would bias every estimate towards
//     "pass", the more the longer a regression runs. With fewer than three
//     windows nothing is pooled for a rollback: the consecutive-windows
//     rules decide;
//   - looking again at every window must not inflate false rollbacks, so the
//     pooled intervals that roll back use alpha / max_windows (Bonferroni
//     over the looks a release can have); a release without max_windows
//     uses its max_bake/interval;
//   - absence of evidence is not evidence of absence. Before the lifetime
//     ends, a release is promoted only once every pooled metric's interval
//     (at alpha) lies within its allowance (settled); when traffic is too
//     thin for that, it bakes on. At the end of the lifetime each metric is
//     settled, shown beyond its allowance, or unsettled, and an unsettled
//     metric whose point estimate lies beyond the allowance counts as
//     failing (Final): so a low-traffic canary five times worse is rolled
//     back, and a doubled error rate that never quite proved itself is not
//     promoted.

// MetricSummary is what one window keeps of a metric for later pooling:
// its classification and each side's sufficient statistics.
type MetricSummary struct {
	Name     string         `json:"name"`
	Class    Classification `json:"class"`
	Canary   SideSummary    `json:"canary"`
	Baseline SideSummary    `json:"baseline"`
	// NonFinite counts the points of both sides the judge could not
	// represent (nonfinite.go); NoCanary marks a critical metric without
	// canary data (kept in kayenta mode, whose windows otherwise keep no
	// summaries). Both keep a release from being promoted.
	NonFinite int  `json:"non_finite,omitempty"`
	NoCanary  bool `json:"no_canary,omitempty"`
	// Thin marks a window too thin to judge the metric on its own (fewer
	// than min_samples points, or min_total) that still has data on both
	// sides: pooled with the others, never judged alone.
	Thin bool `json:"thin,omitempty"`
}

// SideSummary is one side's sufficient statistics: N points with Mean and
// its standard error SE from NEff effective points (plain series), or
// Events out of Total with variance Scale (counts).
type SideSummary struct {
	N      int     `json:"n"`
	Mean   float64 `json:"mean,omitempty"`
	SE     float64 `json:"se,omitempty"`
	NEff   float64 `json:"n_eff,omitempty"`
	Events float64 `json:"events,omitempty"`
	Total  float64 `json:"total,omitempty"`
	Scale  float64 `json:"scale,omitempty"`
	// Instances: a side judged by its instances keeps each one's numbers.
	Instances map[string]SideSummary `json:"instances,omitempty"`
	// SS and Lags are the window's sum of squared deviations and lag-1..3
	// products (of the points, or of the counts' Pearson residuals): with
	// them a release's windows estimate one variance and autocorrelation
	// together (mode sequential).
	SS   float64    `json:"ss,omitempty"`
	Lags [3]float64 `json:"lags,omitzero"`
	// Above counts the points above the metric's ceiling (ceiling_stat
	// median), for the pooled ceiling check.
	Above int `json:"above,omitempty"`
}

// Summaries returns what later windows need of this result: one entry per
// metric that had data on both sides (too thin to judge alone included),
// and a marker for each metric with
// points the judge could not represent or, critical, without canary data
// (in kayenta mode, which does not pool, only those markers). A cles
// metric's entry serves its failure streak only: cles needs the points and
// is never pooled.
func (r Result) Summaries() []MetricSummary {
	var out []MetricSummary // nil when no metric has one (the store then keeps none)
	add := func(s MetricSummary) {
		if out == nil {
			out = make([]MetricSummary, 0, len(r.Metrics))
		}
		out = append(out, s)
	}
	for _, m := range r.Metrics {
		nonFinite := m.Canary.NonFinite + m.Baseline.NonFinite
		noCanary := m.Critical && m.Canary.Points == m.Canary.NaN+m.Canary.NonFinite
		judged := m.Classification != ClassNoData && m.Classification != ClassError
		thin := (m.Rule == RuleInsufficientSamples && m.N >= 2 && m.M >= 2) || (m.Rule == RuleNoTraffic && m.Canary.Total != nil && m.Baseline.Total != nil && *m.Canary.Total > 0 && *m.Baseline.Total > 0)
		switch {
		case r.Mode != ModeKayenta && (judged || thin):
			add(MetricSummary{Name: m.Name, Class: m.Classification, NonFinite: nonFinite, Thin: thin,
				Canary: summarize(m.Canary, m.N, m.Ceiling, true), Baseline: summarize(m.Baseline, m.M, m.Ceiling, false)})
		case nonFinite > 0 || (noCanary && r.Mode == ModeKayenta):
			add(MetricSummary{Name: m.Name, Class: ClassNoData, NonFinite: nonFinite, NoCanary: noCanary})
		}
	}
	return out
}

func summarize(s SideStats, n int, ck *CeilingCheck, canary bool) SideSummary {
	v := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	out := SideSummary{N: n, Mean: v(s.Mean), SE: v(s.SE), NEff: v(s.NEff), Events: v(s.Events), Total: v(s.Total), Scale: v(s.Scale),
		Instances: s.PerInstance, SS: s.lags.SS, Lags: s.lags.Lags}
	if ck != nil {
		out.Above = ck.above[0]
		if !canary {
			out.Above = ck.above[1]
		}
	}
	return out
}

// pooledAlpha is the error rate of each pooled look.
func pooledAlpha(p Policy) float64 {
	looks := p.Windows.MaxWindows
	if looks <= 0 && p.Windows.Interval.Duration > 0 {
		looks = int(math.Ceil(float64(p.Windows.MaxBake.Duration) / float64(p.Windows.Interval.Duration)))
	}
	return p.Alpha / float64(max(looks, 1))
}

// PooledResult is the pooled judgement: Result at alpha/looks (what rolls
// back); Final, the same metrics judged by their point estimates (what a
// release's lifetime ends on); Unsettled, the metrics whose interval at
// alpha does not yet lie within the allowance (what keeps a release
// baking); Empty, the critical metrics that never had data.
type PooledResult struct {
	*Result
	Final     *Result
	Unsettled []string
	Empty     []string
}

// minTrimmed is the fewest windows a pooled rollback rests on: with three,
// the symmetric trim leaves the median window.
const minTrimmed = 3

// Pooled judges every metric on the windows so far pooled (see above) and
// scores the result like a window's. It is nil in kayenta mode or when no
// metric has data yet.
func Pooled(p Policy, ws []Window) *PooledResult {
	p = p.withDefaults()
	accs := make([]*metricAcc, len(p.Metrics))
	for i, m := range p.Metrics {
		accs[i] = accumulate(m, ws)
	}
	return pooledFrom(p, accs, true)
}

// pooledFrom is Pooled from each metric's running sums (p with defaults,
// accs in the order of p.Metrics); Final only withFinal (the end of a
// lifetime: no other decision reads it).
func pooledFrom(p Policy, accs []*metricAcc, withFinal bool) *PooledResult {
	if p.Mode == ModeKayenta {
		return nil
	}
	res, final := pooledSkeleton(p), pooledSkeleton(p)
	out := &PooledResult{Result: &res}
	if withFinal {
		out.Final = &final
	}
	any := false
	for i, m := range p.Metrics {
		acc := accs[i]
		if acc.Windows == 0 && m.Critical {
			out.Empty = append(out.Empty, m.Name)
		}
		if acc.Windows == 0 || m.EffectSize.Measure == MeasureCLES {
			why := "no window with data on both sides yet"
			if acc.Windows > 0 {
				why = "cles needs the points and is never pooled"
			}
			addPooled(&res, pooledNoData(m, why))
			addPooled(&final, pooledNoData(m, why))
			continue
		}
		any = true
		c, b, spike := acc.trimmed()
		ev := evidenceOf(m, &c, &b)
		t, strict := testEffect(ev, m, p.Alpha), testEffect(ev, m, pooledAlpha(p))
		thin := thinVariance(ev, &c, &b)
		if thin != "" || !settledBy(t, m) {
			out.Unsettled = append(out.Unsettled, m.Name)
		}
		if withFinal {
			// Whether the canary differs from its baseline at all is asked
			// once for every metric: Bonferroni over the looks and the
			// metrics.
			changed := testEffect(ev, m, pooledAlpha(p)/float64(len(p.Metrics)))
			addPooled(&final, finalEffect(m, t, changed, c.Windows))
		}
		if acc.Windows < minTrimmed {
			addPooled(&res, pooledNoData(m, fmt.Sprintf("%d window(s) with data: a pooled rollback needs %d", acc.Windows, minTrimmed)))
			continue
		}
		if thin != "" {
			addPooled(&res, pooledNoData(m, thin))
			continue
		}
		mr := classifyEffect(newMetricResult(m), m, strict)
		mr.N, mr.M = c.Windows, c.Windows
		mr.Reason = poolSpan(c.Windows, spike) + mr.Reason
		addPooled(&res, mr)
	}
	if !any {
		return nil
	}
	verdictDefault(&res, p)
	if withFinal {
		verdictDefault(&final, p)
	}
	return out
}

// minVarianceDof is the fewest degrees of freedom (points beyond one per
// window, summed over the windows) a side's pooled variance rests on.
const minVarianceDof = 10

// thinVariance says why a plain series' pooled variance cannot be trusted,
// or "": a ratio series at a handful of requests per point has most points
// empty and the rest 0 or 1, so each window holds one or two points, equal
// more often than not; their within-window variance, on a handful of
// degrees of freedom, is then often 0 and the interval has no width (a 0.82 success ratio "shown" below 0.98 from 11
// points). Too little data is no evidence: such a metric neither rolls the
// release back by its pool nor settles it; counts and replicates carry
// their own variance and are not affected.
func thinVariance(ev evidence, c, b *sideAcc) string {
	if ev.count || ev.c.N == 0 || ev.b.N == 0 || c.Inst != nil {
		return ""
	}
	if c.Dof < minVarianceDof || b.Dof < minVarianceDof {
		return fmt.Sprintf("too few points within the windows to estimate the variance (%d and %d degrees of freedom, canary and baseline; the pool needs %d on each side)", c.Dof, b.Dof, minVarianceDof)
	}
	// Many points constant within their windows are a constant series
	// (a configured value): its difference is known exactly.
	return ""
}

func pooledSkeleton(p Policy) Result {
	return Result{Mode: p.Mode, Thresholds: p.Thresholds, Metrics: make([]MetricResult, 0, len(p.Metrics)),
		CeilingBreaches: []string{}, BaselineBreaches: []string{}, CriticalFailures: []string{}}
}

func addPooled(r *Result, mr MetricResult) {
	r.Metrics = append(r.Metrics, mr)
	if mr.CriticalFailure {
		r.CriticalFailures = append(r.CriticalFailures, mr.Name)
	}
}

func pooledNoData(m Metric, why string) MetricResult {
	mr := newMetricResult(m)
	mr.Classification, mr.Rule, mr.Reason = ClassNoData, RuleNoData, why
	return mr
}

func poolSpan(used int, spike bool) string {
	if !spike {
		return "pooled over " + strconv.Itoa(used) + " window(s): "
	}
	return fmt.Sprintf("pooled over %d windows (one more, a spike, left out): ", used)
}

// settledBy reports whether the interval lies within the allowance on
// every side the policy calls bad.
func settledBy(t effectTest, m Metric) bool {
	return (t.insideUp || m.Direction == DirDecrease) && (t.inDn || m.Direction == DirIncrease)
}

// RuleEstimateBeyond: at the end of a release's lifetime, an unsettled
// metric whose point estimate lies beyond its allowance counts as failing.
const RuleEstimateBeyond Rule = "estimate_beyond_allowance"

// finalEffect classifies a pooled metric by its point estimate, as the end
// of the lifetime does: settled passes; beyond the allowance in a bad
// direction fails (a critical metric critically) when the canary differs
// from its baseline in that direction at all (strict shows it, at the
// pooled level divided among the metrics); an estimate beyond the allowance of a canary that cannot be
// told from its baseline is noise (at a handful of requests a point, a
// healthy canary's estimate lands beyond a small allowance in one release
// of five) and passes, said so; within the allowance passes, said so.
func finalEffect(m Metric, t, strict effectTest, n int) MetricResult {
	mr := classifyEffect(newMetricResult(m), m, t)
	mr.N, mr.M = n, n
	desc := describeEffect(t, m)
	settled := settledBy(t, m)
	dir := estimateBeyond(t, m)
	// A critical metric whose interval at the policy's own level lies
	// wholly beyond its allowance at this one last look is shown beyond
	// it: it fails, though the pooled level (corrected for every look of
	// the lifetime) could not tell the canary from its baseline. Never
	// promote a critical metric the evidence places beyond its allowance.
	shown := m.Critical && ((t.up && m.Direction != DirDecrease) || (t.down && m.Direction != DirIncrease))
	changed := worse(m, strict) || shown
	switch {
	case dir != "" && !changed && !settled:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassPass, RuleInconclusive, false
		mr.Reason = fmt.Sprintf("%s: never settled; its estimate lies beyond the allowance %s, but the canary cannot be told from its baseline at all (difference [%s, %s] at the pooled level): too little data, noise",
			desc, allowanceText(m), bound(strict.diffLo), bound(strict.diffHi))
	case dir == DirIncrease:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassHigh, RuleEstimateBeyond, m.Critical
		mr.Reason = desc + ": its estimate lies above the allowed increase " + allowedText(m, true) + " (never settled: counts as failing)"
	case dir == DirDecrease:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassLow, RuleEstimateBeyond, m.Critical
		mr.Reason = desc + ": its estimate lies below the allowed decrease " + allowedText(m, false) + " (never settled: counts as failing)"
	case !settled:
		mr.Classification, mr.Rule, mr.CriticalFailure = ClassPass, RuleInconclusive, false
		mr.Reason = desc + ": never settled, but its estimate lies within the allowance " + allowanceText(m)
	}
	return mr
}

// worse reports whether the canary differs from its baseline in a
// direction m calls bad, at the strict test's level.
func worse(m Metric, strict effectTest) bool {
	return (m.Direction != DirDecrease && strict.diffLo > 0) || (m.Direction != DirIncrease && strict.diffHi < 0)
}

// estimateBeyond is the bad direction in which the point estimate lies
// beyond the allowance (beyond the floor too, for ratios), or "".
func estimateBeyond(t effectTest, m Metric) Direction {
	e := m.EffectSize
	var up, down bool
	switch e.Measure {
	case MeasureMeanDiff:
		up, down = t.diff > e.AllowedIncrease, t.diff < -e.AllowedDecrease
	case MeasureCLES:
		up, down = t.value > e.AllowedIncrease, t.value < e.AllowedDecrease
	default:
		up, down = t.value > e.AllowedIncrease && t.diff > e.Floor, t.value < e.AllowedDecrease && t.diff < -e.Floor
	}
	switch {
	case up && m.Direction != DirDecrease:
		return DirIncrease
	case down && m.Direction != DirIncrease:
		return DirDecrease
	}
	return ""
}

// windowEffect is one window's effect on the scale its measure is judged
// on (log ratio, or difference) and its standard error (never 0).
func windowEffect(m Metric, s MetricSummary) (d, se float64) {
	var mc, mb, vc, vb float64
	if m.Kind == KindCount && s.Canary.Instances == nil {
		var ca, ba sideAcc
		ca.add(s.Canary, 1)
		ba.add(s.Baseline, 1)
		c, b := ca.counts(), ba.counts()
		mc, mb = (c.Events+0.5)/(c.Total+0.5), (b.Events+0.5)/(b.Total+0.5)
		vc, vb = mc/(c.Total+0.5), mb/(b.Total+0.5)
	} else {
		mc, mb, vc, vb = s.Canary.Mean, s.Baseline.Mean, s.Canary.SE*s.Canary.SE, s.Baseline.SE*s.Baseline.SE
	}
	if m.EffectSize.Measure != MeasureMeanDiff && mc > 0 && mb > 0 {
		d, se = math.Log(mc/mb), math.Sqrt(vc/(mc*mc)+vb/(mb*mb))
	} else {
		d, se = mc-mb, math.Sqrt(vc+vb)
	}
	if math.IsNaN(d) || math.IsNaN(se) {
		d, se = 0, math.Inf(1)
	}
	return d, se
}

// corroborated reports whether metric m's last n windows, pooled, lie
// beyond its allowance at the pooled level: a streak of failures is a
// regression only when its windows together say so at the strict level
// too (cles cannot be pooled and is taken as corroborated).
func (lk look) corroborated(m Metric, n int) bool {
	acc := lk.run.recent(m, n)
	if m.EffectSize.Measure == MeasureCLES || acc == nil {
		return true
	}
	if acc.Windows == 0 {
		return false
	}
	ev := evidenceOf(m, &acc.C, &acc.B)
	if all := lk.run.Acc[m.Name]; all != nil && !ev.count && acc.C.Inst == nil {
		// The streak's few windows give the means; the variance and the
		// autocorrelation come from every window of the release (a window
		// of a few points cannot estimate them: two of six points made
		// noise look like a regression).
		ev = evidence{c: acc.C.pooledWith(&all.C), b: acc.B.pooledWith(&all.B)}
	}
	t := testEffect(ev, m, pooledAlpha(lk.p))
	return (t.up && m.Direction != DirDecrease) || (t.down && m.Direction != DirIncrease)
}
