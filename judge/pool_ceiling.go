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
func pooledCeilings(p Policy, accs []*metricAcc) (canary, baseline []string) {
	alpha := pooledAlpha(p)
	for i, m := range p.Metrics {
		acc := accs[i]
		if m.Ceiling == nil || m.CeilingStat == CeilingMax || acc.Windows < 2 {
			continue
		}
		cl, bl := pooledLevel(m, &acc.C, alpha), pooledLevel(m, &acc.B, alpha)
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
func pooledLevel(m Metric, a *sideAcc, alpha float64) bounds {
	switch {
	case m.Kind == KindCount && a.Inst == nil:
		c := a.counts()
		if c.Total <= 0 {
			return bounds{}
		}
		lo, hi := stats.CPInterval(c.Events, c.Total, 2*alpha)
		return bounds{stat: c.Events / c.Total, lo: lo, hi: hi, ok: true}
	case m.CeilingStat == CeilingMedian:
		n, above, neff := a.N, a.Above, a.NEff
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
	mo := a.pooled()
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
func floorCeilings(d Decision, p Policy, accs []*metricAcc) Decision {
	if d.Action != ActionPromote || p.Mode == ModeKayenta {
		return d
	}
	alpha := pooledAlpha(p)
	var canary, baseline []string
	for i, m := range p.Metrics {
		acc := accs[i]
		if m.Ceiling == nil || m.CeilingStat == CeilingMax || acc.Windows == 0 {
			continue
		}
		if l := pooledLevel(m, &acc.C, alpha); l.ok && l.hi >= *m.Ceiling {
			canary = append(canary, m.Name)
		}
		if l := pooledLevel(m, &acc.B, alpha); l.ok && l.hi >= *m.Ceiling {
			baseline = append(baseline, m.Name)
		}
	}
	switch {
	case len(baseline) > 0:
		return d.with(ActionEscalate, ReasonBaselineUnhealthy, fmt.Sprintf("the baseline's %s is not shown below its ceiling over the release's windows; comparing against it is meaningless (the candidate was: %s)", names(baseline), d.Message))
	case len(canary) > 0 && d.Evidence.LifetimeOver:
		return d.with(ActionEscalate, ReasonCriticalCeiling, fmt.Sprintf("the release's lifetime ended and the canary's %s is not shown below its ceiling; a human must decide", names(canary)))
	case len(canary) > 0:
		return d.with(ActionWait, ReasonUnsettled, fmt.Sprintf("the canary's %s is not yet shown below its ceiling; baking on", names(canary)))
	}
	return d
}
