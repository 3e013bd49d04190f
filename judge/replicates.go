package judge

import (
	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// judgeReplicates judges a metric sent per instance with at least two
// instances on both sides: each instance is one replicate (see
// instances.go). Ceilings apply to each side as a whole.
func judgeReplicates(p Policy, m Metric, c, b Instances) MetricResult {
	if m.EffectSize.Measure == MeasureCLES {
		return judgeFlattened(p, m, c, b)
	}
	rc, rb := replicates(m, c), replicates(m, b)
	// A count metric's side totals (all instances) serve min_total and the
	// ceiling; short of min_total it is judged as a whole, which makes it
	// nodata exactly as when it is sent as one count.
	var ca, ba stats.Counts
	if m.Kind == KindCount && (m.MinTotal > 0 || m.Ceiling != nil) {
		ca, ba = flatCounts(c), flatCounts(b)
	}
	if len(rc) < 2 || len(rb) < 2 || m.Kind == KindCount && (ca.Total < m.MinTotal || ba.Total < m.MinTotal) {
		return judgeFlattened(p, m, c, b)
	}
	mr := newMetricResult(m)
	cm, cs := replicateMoments(rc)
	bm, bs := replicateMoments(rb)
	mr.Canary, mr.Baseline = replicateStats(c, rc, cm, cs), replicateStats(b, rb, bm, bs)
	mr.N, mr.M = len(rc), len(rb)
	if m.Ceiling != nil {
		if m.Kind == KindCount {
			mr.Ceiling = rateCeiling(m, ca, ba, p.Alpha, pooledAlpha(p))
		} else {
			cx, _ := c.flatten()
			bx, _ := b.flatten()
			cleanC, _, _, _ := preprocess(cx, m)
			cleanB, _, _, _ := preprocess(bx, m)
			mr.Ceiling = checkCeiling(m, cleanC, cleanB, p.Alpha, pooledAlpha(p))
		}
	}
	t := testEffect(evidence{c: cm, b: bm}, m, p.Alpha)
	t.method = "replicates_" + t.method
	return classifyEffect(mr, m, t)
}

// flatCounts is a count metric's side as a whole: every instance's events
// and totals together.
func flatCounts(in Instances) stats.Counts {
	_, c := in.flatten()
	sc, _ := countsOf(c)
	return sc
}

// judgeFlattened judges a metric's instances joined into one series.
func judgeFlattened(p Policy, m Metric, c, b Instances) MetricResult {
	cx, cc := c.flatten()
	bx, bc := b.flatten()
	if m.Kind == KindCount {
		return judgeCounts(p, m, cc, bc)
	}
	return judgeDefault(p, m, cx, bx)
}

// replicateStats describes a side judged by its instances: the mean of the
// instances' estimates, its standard error, how many instances and the
// spread between them; per-instance summaries are kept for pooling.
func replicateStats(in Instances, rs []replicate, mo stats.Moments, spread float64) SideStats {
	st := SideStats{Instances: len(rs), Spread: num(spread), Mean: num(mo.Mean), SE: num(mo.SE), NEff: num(mo.NEff)}
	for _, name := range in.names() {
		if xs, ok := in.Series[name]; ok {
			st.Points += len(xs)
		} else {
			st.Points += len(in.Counts[name].Total)
		}
	}
	st.PerInstance = make(map[string]SideSummary, len(rs))
	for _, r := range rs {
		st.PerInstance[r.name] = r.summary
	}
	return st
}
