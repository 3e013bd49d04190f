package judge

import (
	"fmt"
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Mode sequential: one anytime-valid confidence sequence per metric over
// all windows of a release so far (judge/stats/sequence.go).
//
//   - Error budget: each metric's sequence, both of its bounds, excludes
//     the metric's true effect at some look with probability at most the
//     policy's alpha, however often it is checked: a false rollback (the
//     rollback bound past the allowance when the truth is within it) and a
//     false early promote each happen with probability at most alpha/2 per
//     metric, the same per-metric level the default mode's intervals have,
//     held at every look at once instead of at one.
//   - Plain series: the windows' means are combined (point-weighted, with
//     one variance and autocorrelation estimated from all windows together
//     and the windows taken as one stream), on the log scale for ratio
//     measures; the normal-mixture sequence is widened by
//     the ratio of Student's t to the normal quantile at the Welch degrees
//     of freedom, so early looks with few points stay honest.
//   - Counts: the Beta-binomial mixture sequence (Lindon and Malek) for the
//     canary's share of all events, on effective counts; exact at low
//     counts, and it maps to the rate ratio.
//   - Instances as replicates: each side's estimate is the mean of its
//     instances' (each combined over the windows first), its standard
//     error from their spread with k-1 degrees of freedom. The spread does
//     not shrink with time, so the sequence cannot narrow past it: an
//     offset between instances is never mistaken for a regression.
//   - The mixture is tuned at the first look so that the sequence is
//     tightest after min_windows looks, where fast rollbacks and early
//     promotes are decided: rho = I* / (2 log(1/a) + log(1 + 2 log(1/a))),
//     I* being min_windows times the first look's information (Howard et
//     al.'s choice of rho for a target time); the Beta prior's
//     concentration likewise, in effective events.

// MetricSequence is one metric's confidence sequence after the windows so
// far, on the measure's scale (a null bound is unbounded).
type MetricSequence struct {
	Name     string   `json:"name"`
	Measure  string   `json:"measure"`
	Windows  int      `json:"windows"`
	Estimate *float64 `json:"estimate"`
	Lower    *float64 `json:"lower"` // the sequence over every window so far
	Upper    *float64 `json:"upper"`
	// RollbackLower and RollbackUpper are the sequence without the single
	// most adverse window: what a rollback is decided on.
	RollbackLower *float64 `json:"rollback_lower,omitempty"`
	RollbackUpper *float64 `json:"rollback_upper,omitempty"`
	Alpha         float64  `json:"alpha"` // each bound, over all looks
	// Spread is the instances' spread (canary, baseline) when the metric
	// was judged by instances.
	Spread []float64 `json:"spread,omitempty"`
	// Beyond is "increase" or "decrease" when the whole sequence lies beyond
	// the allowance in a bad direction; Within when it lies within.
	Beyond string `json:"beyond,omitempty"`
	Within bool   `json:"within"`
	Note   string `json:"note,omitempty"`
}

// Sequences computes every metric's sequence from the release's windows.
func Sequences(p Policy, ws []Window) []MetricSequence {
	p = p.withDefaults()
	accs := make([]*metricAcc, len(p.Metrics))
	for i, m := range p.Metrics {
		accs[i] = accumulate(m, ws)
	}
	return sequencesFrom(p, accs)
}

// sequencesFrom is Sequences from each metric's running sums (p with
// defaults, accs in the order of p.Metrics).
func sequencesFrom(p Policy, accs []*metricAcc) []MetricSequence {
	out := make([]MetricSequence, 0, len(p.Metrics))
	for i, m := range p.Metrics {
		out = append(out, sequenceOf(p, m, accs[i], p.Alpha))
	}
	return out
}

func sequenceOf(p Policy, m Metric, acc *metricAcc, a float64) MetricSequence {
	sq := MetricSequence{Name: m.Name, Measure: m.EffectSize.Measure, Windows: acc.Windows, Alpha: a}
	if acc.Windows == 0 {
		sq.Note = "no window with data on both sides yet"
		return sq
	}
	var first metricAcc
	first.add(m, *acc.First)
	all := seqTestOf(p, m, &acc.C, &acc.B, &first, a)
	// The rollback side leaves out a spike window, as the default mode's
	// pooled evidence does (pool.go): one anomalous window is noise, and a
	// sustained shift keeps its size. The promote side keeps every window.
	rb := seqTest{lo: math.Inf(-1), hi: math.Inf(1), diffLo: math.Inf(-1), diffHi: math.Inf(1)}
	if acc.Windows >= minTrimmed {
		c, b, _ := acc.trimmed()
		rb = seqTestOf(p, m, &c, &b, &first, a)
	}
	if len(acc.First.Canary.Instances) >= 2 && len(acc.First.Baseline.Instances) >= 2 {
		ev := evidenceOf(m, &acc.C, &acc.B)
		sq.Spread = []float64{ev.c.SD, ev.b.SD}
	}
	e := m.EffectSize
	up := rb.lo > e.AllowedIncrease && rb.diffLo > e.Floor
	down := rb.hi < e.AllowedDecrease && rb.diffHi < -e.Floor
	if e.Measure == MeasureMeanDiff {
		up, down = rb.lo > e.AllowedIncrease, rb.hi < -e.AllowedDecrease
	}
	switch {
	case up && m.Direction != DirDecrease:
		sq.Beyond = "increase"
	case down && m.Direction != DirIncrease:
		sq.Beyond = "decrease"
	}
	sq.Within = all.note == "" && withinAllowance(m, all)
	sq.Estimate, sq.Lower, sq.Upper, sq.Note = num(all.est), num(all.lo), num(all.hi), all.note
	if acc.Windows >= minTrimmed {
		sq.RollbackLower, sq.RollbackUpper = num(rb.lo), num(rb.hi)
	}
	return sq
}

// seqTestOf is the sequence over the summed windows c and b, its mixture
// tuned on the first window. Plain series and counts combine the windows
// with one variance (or dispersion) and one autocorrelation estimated from
// all of them together: a release's windows share their noise, and a
// one-minute window alone is too short to estimate it well.
func seqTestOf(p Policy, m Metric, c, b *sideAcc, first *metricAcc, a float64) seqTest {
	looks := float64(max(p.Windows.MinWindows, 1))
	f := evidenceOf(m, &first.C, &first.B)
	if ev := evidenceOf(m, c, b); !ev.count {
		return meanSequence(m, ev.c, ev.b, f.c, f.b, looks, a)
	}
	return countSequence(m, c.seqCounts(), b.seqCounts(), f, looks, a)
}

// seqTest is a sequence on the measure's scale, with the difference's
// sequence for the floor.
type seqTest struct {
	est, lo, hi    float64
	diffLo, diffHi float64
	note           string
}

func withinAllowance(m Metric, t seqTest) bool {
	e := m.EffectSize
	if e.Measure == MeasureMeanDiff {
		return (m.Direction == DirDecrease || t.hi <= e.AllowedIncrease) && (m.Direction == DirIncrease || t.lo >= -e.AllowedDecrease)
	}
	upOK := t.hi <= e.AllowedIncrease || t.diffHi <= e.Floor
	downOK := t.lo >= e.AllowedDecrease || t.diffLo >= -e.Floor
	return (m.Direction == DirDecrease || upOK) && (m.Direction == DirIncrease || downOK)
}

// meanSequence: the normal-mixture sequence of a difference of means, or
// of the log ratio of means (delta method) for ratio measures.
func meanSequence(m Metric, c, b, c1, b1 stats.Moments, looks, a float64) seqTest {
	diff := stats.NewContrast(c, b, 1)
	first := stats.NewContrast(c1, b1, 1)
	hw := func(se, se1 float64, df float64) float64 {
		if !(se > 0) { // no spread yet (a handful of identical points): nothing bounds the effect
			return math.Inf(1)
		}
		rho := looks / (se1 * se1) / tuning(a)
		if !(se1 > 0) {
			rho = looks / (se * se) / tuning(a)
		}
		k := stats.TQuantile(1-a, df) / stats.TQuantile(1-a, math.Inf(1))
		return stats.NormalMixtureHalfWidth(1/(se*se), rho, a) * k
	}
	h := hw(diff.SE, first.SE, diff.DF)
	t := seqTest{diffLo: diff.Estimate - h, diffHi: diff.Estimate + h}
	if m.EffectSize.Measure == MeasureMeanDiff {
		t.est, t.lo, t.hi = diff.Estimate, t.diffLo, t.diffHi
		return t
	}
	if !(c.Mean > 0 && b.Mean > 0 && c1.Mean > 0 && b1.Mean > 0) {
		t.est, t.lo, t.hi = safeMeanRatio(c.Mean, b.Mean), math.Inf(-1), math.Inf(1)
		t.note = "a ratio needs positive means on both sides"
		return t
	}
	se := math.Sqrt(c.SE*c.SE/(c.Mean*c.Mean) + b.SE*b.SE/(b.Mean*b.Mean))
	se1 := math.Sqrt(c1.SE*c1.SE/(c1.Mean*c1.Mean) + b1.SE*b1.SE/(b1.Mean*b1.Mean))
	l := math.Log(c.Mean / b.Mean)
	hl := hw(se, se1, diff.DF)
	t.est, t.lo, t.hi = c.Mean/b.Mean, math.Exp(l-hl), math.Exp(l+hl)
	return t
}

// countSequence: the Beta-binomial mixture sequence for the canary's share
// of all (effective) events, mapped to the rate ratio; the floor uses a
// normal-mixture sequence on the rate difference.
func countSequence(m Metric, c, b stats.Counts, first evidence, looks, a float64) seqTest {
	xc, nc := c.Effective()
	xb, nb := b.Effective()
	t := seqTest{est: 1, lo: 0, hi: math.Inf(1), diffLo: math.Inf(-1), diffHi: math.Inf(1)}
	if nc <= 0 || nb <= 0 {
		t.note = "no traffic"
		return t
	}
	p0 := nc / (nc + nb)
	fx, _ := first.cc.Effective()
	fb, _ := first.bc.Effective()
	conc := max(looks*(fx+fb)/tuning(a), 1)
	lo, hi := stats.BetaBinomialCS(xc, xc+xb, conc*p0, conc*(1-p0), a)
	odds := func(p float64) float64 { return p / (1 - p) * nb / nc }
	t.lo, t.hi = odds(lo), odds(hi)
	if xc+xb > 0 {
		t.est = (xc / nc) / (xb / nb)
	}
	pc, pb := (xc+0.5)/nc, (xb+0.5)/nb
	se := math.Sqrt(pc/nc + pb/nb)
	fse := math.Sqrt((fx+0.5)/(first.cc.Total*first.cc.Total+1e-300) + (fb+0.5)/(first.bc.Total*first.bc.Total+1e-300))
	h := stats.NormalMixtureHalfWidth(1/(se*se), looks/(fse*fse)/tuning(a), a)
	d := xc/nc - xb/nb
	t.diffLo, t.diffHi = d-h, d+h
	return t
}

func (s MetricSequence) String() string {
	return fmt.Sprintf("%s %s [%s, %s]", s.Name, fnumPtr(s.Estimate), boundPtr(s.Lower, "-inf"), boundPtr(s.Upper, "+inf"))
}

func fnumPtr(p *float64) string {
	if p == nil {
		return "n/a"
	}
	return fnum(*p)
}

func boundPtr(p *float64, inf string) string {
	if p == nil {
		return inf
	}
	return fnum(*p)
}

// tuning is the divisor that makes a mixture tightest at its target
// information: 2 log(1/a) + log(1 + 2 log(1/a)).
func tuning(a float64) float64 {
	l := 2 * math.Log(1/a)
	return l + math.Log1p(l)
}
