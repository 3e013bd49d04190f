package judge

import (
	"math"
	"strconv"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Pooled evidence.
//
// One window of a low-traffic service cannot show that 6 errors against 1
// are a regression, and one window of a noisy latency cannot show a +25 %
// shift that is there all along. The decision engine therefore also judges
// each metric on all windows of the release pooled: the sums of counts, the
// point-weighted means with their standard errors. Two rules keep pooling
// honest:
//   - a window in which the metric already failed on its own is left out of
//     its pool: that window counts through the consecutive-windows rules, and
//     leaving it in would let one anomalous window (a spike) dominate every
//     later look;
//   - looking again at every window must not inflate false rollbacks, so the
//     pooled intervals use alpha / max_windows (Bonferroni over the looks a
//     release can have); a release without max_windows uses its
//     max_bake/interval.
//
// The same pool decides when a release may be promoted before its lifetime
// ends: only once every pooled metric's interval (at alpha) lies within its
// allowance. When traffic is too thin to show that, the release bakes on,
// and is promoted at the end of its lifetime if nothing showed a
// regression; so a low-traffic canary five times worse is caught by the
// pool instead of being promoted after min_bake.

// MetricSummary is what one window keeps of a metric for later pooling:
// its classification and each side's sufficient statistics.
type MetricSummary struct {
	Name     string         `json:"name"`
	Class    Classification `json:"class"`
	Canary   SideSummary    `json:"canary"`
	Baseline SideSummary    `json:"baseline"`
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
}

// Summaries returns what later windows need of this result: one entry per
// metric that had data on both sides (default mode; nil in kayenta mode,
// which does not pool). A cles metric's entry serves its failure streak
// only: cles needs the points and is never pooled.
func (r Result) Summaries() []MetricSummary {
	if r.Mode == ModeKayenta {
		return nil
	}
	var out []MetricSummary
	for _, m := range r.Metrics {
		if m.Classification == ClassNoData || m.Classification == ClassError {
			continue
		}
		out = append(out, MetricSummary{Name: m.Name, Class: m.Classification,
			Canary: summarize(m.Canary, m.N), Baseline: summarize(m.Baseline, m.M)})
	}
	return out
}

func summarize(s SideStats, n int) SideSummary {
	v := func(p *float64) float64 {
		if p == nil {
			return 0
		}
		return *p
	}
	return SideSummary{N: n, Mean: v(s.Mean), SE: v(s.SE), NEff: v(s.NEff), Events: v(s.Events), Total: v(s.Total), Scale: v(s.Scale),
		Instances: s.PerInstance, SS: s.lags.SS, Lags: s.lags.Lags}
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
// back), and Unsettled, the metrics whose interval at alpha does not yet lie
// within the allowance (what keeps a release baking; with one window, that
// window's own interval).
type PooledResult struct {
	*Result
	Unsettled []string
}

// Pooled judges every metric on the windows so far pooled (see above) and
// scores the result like a window's. It is nil in kayenta mode or when no
// metric has data yet.
func Pooled(p Policy, ws []Window) *PooledResult {
	p = p.withDefaults()
	if p.Mode == ModeKayenta {
		return nil
	}
	alpha := pooledAlpha(p)
	res := Result{Mode: p.Mode, Thresholds: p.Thresholds, CeilingBreaches: []string{}, BaselineBreaches: []string{}, CriticalFailures: []string{}}
	out := &PooledResult{Result: &res}
	any := false
	for _, m := range p.Metrics {
		// The windows with data but the most adverse one (a single window
		// stays), pooled.
		sums := summariesOf(m, ws)
		with := len(sums)
		var ev evidence
		if with > 0 && m.EffectSize.Measure != MeasureCLES {
			any = true
			sums = trimWorst(m, sums)
			ev = poolSummaries(m, sums)
			if !settled(ev, m, p.Alpha) {
				out.Unsettled = append(out.Unsettled, m.Name)
			}
		}
		n := len(sums)
		mr := newMetricResult(m)
		if with < 2 || m.EffectSize.Measure == MeasureCLES {
			mr.Classification, mr.Rule, mr.Reason = ClassNoData, RuleNoData, "fewer than two windows with data to pool"
			res.Metrics = append(res.Metrics, mr)
			continue
		}
		mr = classifyEffect(mr, m, testEffect(ev, m, alpha))
		mr.N, mr.M = n, n
		mr.Reason = "pooled over " + strconv.Itoa(n) + " window(s): " + mr.Reason
		res.Metrics = append(res.Metrics, mr)
		if mr.CriticalFailure {
			res.CriticalFailures = append(res.CriticalFailures, m.Name)
		}
	}
	if !any {
		return nil
	}
	verdictDefault(&res, p)
	return out
}

// settled reports whether the metric's interval at alpha lies within its
// allowance on every side the policy calls bad.
func settled(ev evidence, m Metric, alpha float64) bool {
	t := testEffect(ev, m, alpha)
	return (t.insideUp || m.Direction == DirDecrease) && (t.inDn || m.Direction == DirIncrease)
}

// trimWorst leaves out the most adverse window (a single window stays).
func trimWorst(m Metric, sums []MetricSummary) []MetricSummary {
	if len(sums) < 2 {
		return sums
	}
	worst, most := 0, adversity(m, sums[0])
	for i := 1; i < len(sums); i++ {
		if a := adversity(m, sums[i]); a > most {
			worst, most = i, a
		}
	}
	return append(sums[:worst:worst], sums[worst+1:]...)
}

func summariesOf(m Metric, ws []Window) []MetricSummary {
	var sums []MetricSummary
	for _, w := range ws {
		for _, s := range w.Metrics {
			if s.Name == m.Name {
				sums = append(sums, s)
			}
		}
	}
	return sums
}

// corroborated reports whether metric m's last n windows, pooled, lie
// beyond its allowance at the pooled level: a streak of failures is a
// regression only when its windows together say so at the strict level
// too (cles cannot be pooled and is taken as corroborated).
func corroborated(p Policy, m Metric, ws []Window, n int) bool {
	if m.EffectSize.Measure == MeasureCLES || n > len(ws) {
		return true
	}
	sums := summariesOf(m, ws[len(ws)-n:])
	if len(sums) == 0 {
		return false
	}
	t := testEffect(poolSummaries(m, sums), m, pooledAlpha(p))
	return (t.up && m.Direction != DirDecrease) || (t.down && m.Direction != DirIncrease)
}

func poolSummaries(m Metric, sums []MetricSummary) evidence {
	var c, b []SideSummary
	for _, s := range sums {
		c, b = append(c, s.Canary), append(b, s.Baseline)
	}
	if cm, ok := poolReplicates(m, c); ok {
		if bm, ok := poolReplicates(m, b); ok {
			return evidence{c: cm, b: bm}
		}
	}
	if m.Kind == KindCount {
		return evidence{count: true, cc: poolCounts(c), bc: poolCounts(b)}
	}
	return evidence{c: poolMoments(c), b: poolMoments(b)}
}

// poolMoments weights each window's mean by its points.
func poolMoments(ss []SideSummary) stats.Moments {
	n, sum := 0, 0.0
	for _, s := range ss {
		n += s.N
		sum += float64(s.N) * s.Mean
	}
	m := stats.Moments{N: n, Mean: sum / float64(n)}
	v := 0.0
	for _, s := range ss {
		w := float64(s.N) / float64(n)
		v += w * w * s.SE * s.SE
		m.NEff += s.NEff
	}
	m.SE = math.Sqrt(v)
	return m
}

// poolCounts adds effective counts: each window keeps its own scale.
func poolCounts(ss []SideSummary) stats.Counts {
	c := stats.Counts{Dispersion: 1, Scale: 1}
	for _, s := range ss {
		sc := s.Scale
		if !(sc > 0) {
			sc = 1
		}
		c.Events += s.Events / sc
		c.Total += s.Total / sc
		c.Points += s.N
	}
	return c
}

// adversity ranks a window by how far the canary is past the allowance, in
// standard errors, in a direction the policy calls bad.
func adversity(m Metric, s MetricSummary) float64 {
	e := m.EffectSize
	up, dn := e.AllowedIncrease, e.AllowedDecrease
	var mc, mb, vc, vb float64
	if m.Kind == KindCount && s.Canary.Instances == nil {
		c, b := poolCounts([]SideSummary{s.Canary}), poolCounts([]SideSummary{s.Baseline})
		mc, mb = (c.Events+0.5)/max(c.Total, 1), (b.Events+0.5)/max(b.Total, 1)
		vc, vb = mc/max(c.Total, 1), mb/max(b.Total, 1)
	} else {
		mc, mb, vc, vb = s.Canary.Mean, s.Baseline.Mean, s.Canary.SE*s.Canary.SE, s.Baseline.SE*s.Baseline.SE
	}
	if e.Measure == MeasureMeanDiff {
		up, dn = 1, 1
		mc -= mb
		mb = 0
	}
	z := func(k, sign float64) float64 {
		se := math.Sqrt(vc + k*k*vb)
		if se == 0 {
			se = 1e-300
		}
		return sign * (mc - k*mb) / se
	}
	switch m.Direction {
	case DirIncrease:
		return z(up, 1)
	case DirDecrease:
		return z(dn, -1)
	}
	return max(z(up, 1), z(dn, -1))
}
