package judge

import (
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// evidence is one metric's two sides reduced to what the effect test
// needs: moments of plain series, or sums of counts. Pooled evidence over
// several windows has the same shape, so one test serves both.
type evidence struct {
	count  bool
	c, b   stats.Moments
	cc, bc stats.Counts
	// Sorted values, for cles only (not available when pooled).
	cs, bs []float64
}

// effectTest is the effect interval held against the allowance.
type effectTest struct {
	method          string
	value, lo, hi   float64 // the measure; lo/hi may be infinite (unbounded)
	diff            float64 // canary - baseline (means or rates)
	diffLo, diffHi  float64
	p               float64 // two-sided p-value of no change
	up, down        bool    // the whole interval lies beyond the allowed increase / decrease
	critUp, critDn  bool    // ... beyond the critical thresholds
	insideUp, inDn  bool    // the whole interval lies within the allowed increase / decrease
	ratio           float64 // canary/baseline (means or rates), for the report
	level           float64
	unboundedReason string
}

// testEffect compares canary and baseline under m's allowance. Each bound
// of an interval is wrong with probability alpha, so the reported intervals
// are two-sided at 1-2*alpha (90 % at the default 0.05), as in equivalence
// testing (TOST): a metric fails when the lower bound is above the allowed
// increase (or the upper bound below the allowed decrease). A change counts
// as beyond a ratio allowance only when it is beyond both the ratio and the
// floor (an intersection-union test, valid at alpha without adjustment).
func testEffect(ev evidence, m Metric, alpha float64) effectTest {
	if ev.count {
		return testRates(ev.cc, ev.bc, m.EffectSize, alpha)
	}
	e := m.EffectSize
	diff := stats.NewContrast(ev.c, ev.b, 1)
	t := effectTest{level: 1 - 2*alpha, diff: diff.Estimate, p: diff.PValue(), ratio: safeMeanRatio(ev.c.Mean, ev.b.Mean)}
	t.diffLo, t.diffHi = diff.Interval(2 * alpha)
	shift := func(by float64) stats.Contrast { d := diff; d.Estimate -= by; return d }
	a := alpha
	switch e.Measure {
	case MeasureMeanDiff:
		t.method, t.value, t.lo, t.hi = "welch_ar1", t.diff, t.diffLo, t.diffHi
		t.up, t.insideUp = shift(e.AllowedIncrease).Above(a), shift(e.AllowedIncrease).Below(a)
		t.down, t.inDn = shift(-e.AllowedDecrease).Below(a), shift(-e.AllowedDecrease).Above(a)
		t.critUp, t.critDn = shift(e.CriticalIncrease).Above(a), shift(-e.CriticalDecrease).Below(a)
	case MeasureCLES:
		t.method = "cles_ar1"
		t.value, t.lo, t.hi = clesInterval(ev, alpha)
		t.up, t.insideUp = t.lo > e.AllowedIncrease, t.hi <= e.AllowedIncrease
		t.down, t.inDn = t.hi < e.AllowedDecrease, t.lo >= e.AllowedDecrease
		t.critUp, t.critDn = t.lo > e.CriticalIncrease, t.hi < e.CriticalDecrease
	default: // mean_ratio
		t.method, t.value = "fieller_ar1", t.ratio
		var bounded bool
		t.lo, t.hi, bounded = stats.RatioInterval(ev.c, ev.b, 2*alpha)
		if !bounded {
			t.unboundedReason = "the baseline mean is not distinguishable from zero, so the ratio is unbounded"
		}
		above := func(k float64) bool { return stats.NewContrast(ev.c, ev.b, k).Above(a) }
		below := func(k float64) bool { return stats.NewContrast(ev.c, ev.b, k).Below(a) }
		floorUp, floorDn := shift(e.Floor).Above(a), shift(-e.Floor).Below(a)
		t.up, t.insideUp = above(e.AllowedIncrease) && floorUp, below(e.AllowedIncrease) || shift(e.Floor).Below(a)
		t.down, t.inDn = below(e.AllowedDecrease) && floorDn, above(e.AllowedDecrease) || shift(-e.Floor).Above(a)
		t.critUp, t.critDn = above(e.CriticalIncrease) && floorUp, below(e.CriticalDecrease) && floorDn
	}
	return t
}

// testRates is testEffect for count metrics: the exact rate-ratio interval
// against the allowance and the rate-difference interval against the floor.
func testRates(c, b stats.Counts, e EffectSize, alpha float64) effectTest {
	r := stats.CompareRates(c, b, 2*alpha)
	t := effectTest{method: "rate_exact", level: 1 - 2*alpha, value: r.Ratio, lo: r.RatioLo, hi: r.RatioHi,
		diff: r.Diff, diffLo: r.DiffLo, diffHi: r.DiffHi, p: r.PValue, ratio: r.Ratio}
	if math.IsNaN(r.Ratio) { // no event on either side: nothing changed
		t.value, t.ratio = 1, 1
	}
	if math.IsInf(r.RatioHi, 1) {
		t.unboundedReason = "the baseline had no event, so the ratio has no upper bound"
	}
	floorUp, floorDn := r.DiffLo > e.Floor, r.DiffHi < -e.Floor
	t.up, t.insideUp = r.RatioLo > e.AllowedIncrease && floorUp, r.RatioHi <= e.AllowedIncrease || r.DiffHi <= e.Floor
	t.down, t.inDn = r.RatioHi < e.AllowedDecrease && floorDn, r.RatioLo >= e.AllowedDecrease || r.DiffLo >= -e.Floor
	t.critUp, t.critDn = r.RatioLo > e.CriticalIncrease && floorUp, r.RatioHi < e.CriticalDecrease && floorDn
	return t
}

// clesInterval is P(canary > baseline) with a two-sided 1-2*alpha normal
// interval from the
// DeLong placement variances, each side's variance widened by its AR(1)
// factor. It needs the sorted values, so pooled evidence has no cles.
func clesInterval(ev evidence, alpha float64) (v, lo, hi float64) {
	x, y := ev.cs, ev.bs
	if len(x) == 0 || len(y) == 0 {
		return math.NaN(), math.NaN(), math.NaN()
	}
	v = clesSorted(x, y)
	pc := placements(x, y)          // share of baseline below each canary value
	pb := placements(y, x)          // share of canary below each baseline value
	vc := sampleVar(pc) / ev.c.NEff // SD^2 * f / n
	vb := sampleVar(pb) / ev.b.NEff
	h := stats.TQuantile(1-alpha, math.Inf(1)) * math.Sqrt(vc+vb)
	return v, max(0, v-h), min(1, v+h)
}

// placements is, for each value of sorted a, the share of sorted b below
// it (ties count half).
func placements(a, b []float64) []float64 {
	out := make([]float64, len(a))
	lt, le := 0, 0
	for i, v := range a {
		for lt < len(b) && b[lt] < v {
			lt++
		}
		le = max(le, lt)
		for le < len(b) && b[le] <= v {
			le++
		}
		out[i] = (float64(lt) + float64(le-lt)/2) / float64(len(b))
	}
	return out
}

func sampleVar(xs []float64) float64 {
	sd := sampleSD(xs)
	return sd * sd
}
