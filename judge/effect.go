package judge

import (
	"math"
	"slices"
)

// kmean is Commons Math's StatUtils.mean (Kayenta's): the plain mean plus a
// second-pass correction. NaN for no data.
func kmean(xs []float64) float64 {
	n := float64(len(xs))
	if n == 0 {
		return math.NaN()
	}
	sum := 0.0
	for _, x := range xs {
		sum += x
	}
	mean := sum / n
	corr := 0.0
	for _, x := range xs {
		corr += x - mean
	}
	return mean + corr/n
}

// sampleSD is the standard deviation with the n-1 denominator; 0 for n < 2.
func sampleSD(xs []float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	m := kmean(xs)
	ss := 0.0
	for _, x := range xs {
		ss += (x - m) * (x - m)
	}
	return math.Sqrt(ss / float64(len(xs)-1))
}

// median of xs (R-7 50th percentile); NaN for no data.
func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return percentileR7(s, 50)
}

// kayentaMeanRatio is Kayenta's effect size and deviation: the ratio of the
// means, NaN when either mean is zero.
func kayentaMeanRatio(experiment, control []float64) float64 {
	me, mc := kmean(experiment), kmean(control)
	if me == 0 || mc == 0 {
		return math.NaN()
	}
	return me / mc
}

// ratioCap bounds the default-mode mean ratio so that it stays finite.
const ratioCap = 1e6

// safeMeanRatio is the default mode's zero-safe ratio of means: 1 when both
// means are zero, capped at +/-1e6 (a canary whose baseline mean is zero
// counts as a million-fold change), never NaN or infinite.
func safeMeanRatio(mc, mb float64) float64 {
	if mb == 0 {
		if mc == 0 {
			return 1
		}
		return math.Copysign(ratioCap, mc)
	}
	return max(-ratioCap, min(ratioCap, mc/mb))
}

// sample is one side's preprocessed values, in their original order (sums
// and means follow it, as Kayenta's do) and sorted once for everything
// order-free: identity checks, medians, CLES.
type sample struct{ vals, sorted []float64 }

func newSample(xs []float64) sample {
	return sample{vals: xs, sorted: sortFloats(xs)}
}

// sortFloats returns a sorted copy of xs (no NaN). Long series go through
// an LSD radix sort of order keys, linear in their length: sorting is most
// of the judge's own cost on a day of one-minute points.
func sortFloats(xs []float64) []float64 {
	if len(xs) < 64 {
		s := slices.Clone(xs)
		slices.Sort(s)
		return s
	}
	a, buf := make([]uint64, len(xs)), make([]uint64, len(xs))
	for i, x := range xs {
		a[i] = jkey(x)
	}
	for shift := uint(0); shift < 64; shift += 8 {
		var count [257]int
		for _, k := range a {
			count[(k>>shift)&0xff+1]++
		}
		if count[(a[0]>>shift)&0xff+1] == len(a) {
			continue // every key has this digit: the pass would not move anything
		}
		for i := 1; i < len(count); i++ {
			count[i] += count[i-1]
		}
		for _, k := range a {
			d := (k >> shift) & 0xff
			buf[count[d]] = k
			count[d]++
		}
		a, buf = buf, a
	}
	out := make([]float64, len(a))
	for i, k := range a {
		if k>>63 == 1 {
			out[i] = math.Float64frombits(k &^ (1 << 63))
		} else {
			out[i] = math.Float64frombits(^k)
		}
	}
	return out
}

// cles is the common-language effect size: the probability that a random
// experiment value exceeds a random control value, ties counting half.
// Always in [0, 1]; NaN only when a side is empty.
func cles(experiment, control []float64) float64 {
	return clesSorted(newSample(experiment).sorted, newSample(control).sorted)
}

// clesSorted is cles of two sorted samples, in linear time.
func clesSorted(x, y []float64) float64 {
	if len(x) == 0 || len(y) == 0 {
		return math.NaN()
	}
	// u counts pairs with x > y plus half the ties; exact in float64.
	u, lt, le := 0.0, 0, 0
	for _, v := range x {
		for lt < len(y) && y[lt] < v {
			lt++
		}
		if le < lt {
			le = lt
		}
		for le < len(y) && y[le] <= v {
			le++
		}
		u += float64(lt) + float64(le-lt)/2
	}
	return u / (float64(len(x)) * float64(len(y)))
}

// cohenD is |mean difference| over the pooled standard deviation.
func cohenD(experiment, control []float64) float64 {
	n1, n2 := float64(len(experiment)), float64(len(control))
	s1, s2 := sampleSD(experiment), sampleSD(control)
	pooled := math.Sqrt(((n1-1)*s1*s1 + (n2-1)*s2*s2) / (n1 + n2 - 2))
	return math.Abs(kmean(experiment)-kmean(control)) / pooled
}

// summary is the Kayenta StatisticSuite summary: min, max, mean, sample
// standard deviation and count, all zero for no data.
func summary(xs []float64) (lo, hi, mean, sd float64, n int) {
	if len(xs) == 0 {
		return 0, 0, 0, 0, 0
	}
	lo, hi = slices.Min(xs), slices.Max(xs)
	return lo, hi, kmean(xs), sampleSD(xs), len(xs)
}
