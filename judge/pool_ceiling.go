package judge

import (
	"fmt"
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// pooledCeilings checks each ceiling on all windows of the release so far
// pooled (no window left out: a ceiling is about the level, and a spike
// above it is a breach), at the pooled alpha: a level a little above the
// ceiling shows over several windows though no single one proves it, and
// an unhealthy baseline stays unhealthy once shown. It returns the metrics
// whose canary breaches and those whose baseline does (the baseline also
// when the canary breaches and the baseline is not shown to lie below).
// max ceilings are per window only.
func pooledCeilings(p Policy, ws []Window) (canary, baseline []string) {
	alpha := pooledAlpha(p)
	for _, m := range p.Metrics {
		if m.Ceiling == nil || m.CeilingStat == CeilingMax {
			continue
		}
		sums := summariesOf(m, ws)
		if len(sums) < 2 {
			continue
		}
		c, b := make([]SideSummary, len(sums)), make([]SideSummary, len(sums))
		for i, s := range sums {
			c[i], b[i] = s.Canary, s.Baseline
		}
		cl, bl := pooledLevel(m, c, alpha), pooledLevel(m, b, alpha)
		cb := cl.ok && cl.lo > *m.Ceiling
		if cb {
			canary = append(canary, m.Name)
		}
		if bl.ok && (bl.lo > *m.Ceiling || (cb && bl.hi >= *m.Ceiling)) {
			baseline = append(baseline, m.Name)
		}
	}
	return canary, baseline
}

// pooledLevel bounds one side's level over several windows. For a median
// the bounds say only on which side of the ceiling it lies (+/-Inf): the
// share of points above it, against one half, on effective points.
func pooledLevel(m Metric, ss []SideSummary, alpha float64) bounds {
	switch {
	case m.Kind == KindCount && ss[0].Instances == nil:
		c := poolCounts(ss)
		if c.Total <= 0 {
			return bounds{}
		}
		lo, hi := stats.CPInterval(c.Events, c.Total, 2*alpha)
		return bounds{stat: c.Events / c.Total, lo: lo, hi: hi, ok: true}
	case m.CeilingStat == CeilingMedian:
		n, above, neff := 0, 0, 0.0
		for _, s := range ss {
			n, above, neff = n+s.N, above+s.Above, neff+s.NEff
		}
		if n < max(m.MinSamples, 1) || !(neff > 0) {
			return bounds{}
		}
		frac := float64(above) / float64(n)
		h := stats.TQuantile(1-alpha, math.Inf(1)) * 0.5 * math.Sqrt(max(float64(n)/neff, 1)/float64(n))
		b := bounds{stat: frac, lo: math.Inf(-1), hi: math.Inf(-1), ok: true}
		if frac-h > 0.5 {
			b.lo = math.Inf(1)
		}
		if frac+h >= 0.5 {
			b.hi = math.Inf(1)
		}
		return b
	}
	mo := poolMoments(ss)
	if mo.N < max(m.MinSamples, 1) {
		return bounds{}
	}
	h := stats.TQuantile(1-alpha, max(mo.NEff-1, 1)) * mo.SE
	return bounds{stat: mo.Mean, lo: mo.Mean - h, hi: mo.Mean + h, ok: true}
}

// floorCeilings keeps a candidate promote until every ceiling is cleared:
// each side's level, pooled over the release's windows, shown below its
// ceiling (the upper bound at the pooled alpha). A baseline that is not
// escalates (baseline_unhealthy: comparing against a baseline that may be
// above its own ceiling is meaningless); a canary that is not waits, and
// at the end of the lifetime escalates. Never promote what the evidence
// does not clear, ceilings included.
func floorCeilings(d Decision, p Policy, all []Window) Decision {
	if d.Action != ActionPromote || p.Mode == ModeKayenta {
		return d
	}
	alpha := pooledAlpha(p)
	var canary, baseline []string
	for _, m := range p.Metrics {
		if m.Ceiling == nil || m.CeilingStat == CeilingMax {
			continue
		}
		sums := summariesOf(m, all)
		if len(sums) == 0 {
			continue
		}
		c, b := make([]SideSummary, len(sums)), make([]SideSummary, len(sums))
		for i, s := range sums {
			c[i], b[i] = s.Canary, s.Baseline
		}
		if l := pooledLevel(m, c, alpha); l.ok && l.hi >= *m.Ceiling {
			canary = append(canary, m.Name)
		}
		if l := pooledLevel(m, b, alpha); l.ok && l.hi >= *m.Ceiling {
			baseline = append(baseline, m.Name)
		}
	}
	switch {
	case len(baseline) > 0:
		return d.with(ActionEscalate, ReasonBaselineUnhealthy, fmt.Sprintf("the baseline's %v is not shown below its ceiling over the release's windows; comparing against it is meaningless (the candidate was: %s)", baseline, d.Message))
	case len(canary) > 0 && d.Evidence.LifetimeOver:
		return d.with(ActionEscalate, ReasonCriticalCeiling, fmt.Sprintf("the release's lifetime ended and the canary's %v is not shown below its ceiling; a human must decide", canary))
	case len(canary) > 0:
		return d.with(ActionWait, ReasonUnsettled, fmt.Sprintf("the canary's %v is not yet shown below its ceiling; baking on", canary))
	}
	return d
}
