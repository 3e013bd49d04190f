package stats

import (
	"math"
	"slices"
)

// rankStats is what R derives from rank(c(x - mu, y)).
type rankStats struct {
	u      float64 // R's W: rank sum of x minus n(n+1)/2
	tieSum float64 // sum over tie groups of t^3 - t
	ties   bool
}

// rankSum ranks c(xs - shift, y) as R does and returns W, counting each
// x - shift above a y as 1 and each tie between them as 1/2, which equals the
// midrank sum of x minus n(n+1)/2 exactly. xs and ys are ascending; xs[i] -
// shift is computed on the fly (rounded subtraction keeps the order), and
// equality is float64 equality, as in R's rank.
func rankSum(xs []float64, shift float64, ys []float64) rankStats {
	var rs rankStats
	var twiceU int64 // exact: counts fit in int64 where a float sum might not
	i, j := 0, 0
	n, m := len(xs), len(ys)
	for i < n || j < m {
		var v float64
		switch {
		case j == m || (i < n && xs[i]-shift < ys[j]):
			v = xs[i] - shift
		default:
			v = ys[j]
		}
		yBelow := int64(j)
		cx, cy := 0, 0
		for i < n && xs[i]-shift == v {
			i++
			cx++
		}
		for j < m && ys[j] == v {
			j++
			cy++
		}
		twiceU += int64(cx) * (2*yBelow + int64(cy))
		if t := cx + cy; t > 1 {
			rs.ties = true
			tf := float64(t)
			rs.tieSum += tf*tf*tf - tf
		}
	}
	rs.u = float64(twiceU) / 2
	return rs
}

// rankSumSigma is R's tie-corrected standard deviation of W under the null.
func rankSumSigma(n, m int, tieSum float64) float64 {
	nf, mf := float64(n), float64(m)
	return math.Sqrt((nf * mf / 12) * ((nf + mf + 1) - tieSum/((nf+mf)*(nf+mf-1))))
}

// withinTieSum is the tie sum of a sorted sample on its own.
func withinTieSum(s []float64) float64 {
	var sum float64
	for i := 0; i < len(s); {
		j := i + 1
		for j < len(s) && s[j] == s[i] {
			j++
		}
		if t := float64(j - i); t > 1 {
			sum += t*t*t - t
		}
		i = j
	}
	return sum
}

// radixMin is the sample size from which sortedCopy uses a radix sort.
const radixMin = 2048

// sortedCopy returns an ascending copy of v, which holds no NaN. Large
// samples are sorted by an LSD radix sort on order-preserving 64-bit keys,
// 11 bits per pass, skipping passes in which every key has the same digit
// (typically the sign and exponent bits of same-scale data): several times
// faster than a comparison sort at 10^5 values, with O(n) extra memory.
func sortedCopy(v []float64) []float64 {
	if len(v) < radixMin {
		s := slices.Clone(v)
		slices.Sort(s)
		return s
	}
	keys := make([]uint64, len(v))
	for i, f := range v {
		keys[i] = orderedKey(f)
	}
	tmp := make([]uint64, len(v))
	const bits = 11
	const buckets = 1 << bits
	var count [buckets]int
	for shift := uint(0); shift < 64; shift += bits {
		clear(count[:])
		for _, k := range keys {
			count[k>>shift&(buckets-1)]++
		}
		if count[keys[0]>>shift&(buckets-1)] == len(keys) {
			continue // every key has this digit
		}
		sum := 0
		for d, c := range count {
			count[d] = sum
			sum += c
		}
		for _, k := range keys {
			d := k >> shift & (buckets - 1)
			tmp[count[d]] = k
			count[d]++
		}
		keys, tmp = tmp, keys
	}
	out := make([]float64, len(v))
	for i, k := range keys {
		out[i] = fromOrderedKey(k)
	}
	return out
}

// selectKth returns the k-th smallest (0-based) of v, reordering v:
// quickselect with a median-of-three pivot, sorting when ranges get small
// or the partitions keep coming out lopsided.
func selectKth(v []float64, k int) float64 {
	lo, hi := 0, len(v)-1
	for budget := 64; hi-lo > 16 && budget > 0; budget-- {
		mid := lo + (hi-lo)/2
		if v[mid] < v[lo] {
			v[mid], v[lo] = v[lo], v[mid]
		}
		if v[hi] < v[lo] {
			v[hi], v[lo] = v[lo], v[hi]
		}
		if v[hi] < v[mid] {
			v[hi], v[mid] = v[mid], v[hi]
		}
		pivot := v[mid]
		i, j := lo, hi
		for i <= j {
			for v[i] < pivot {
				i++
			}
			for v[j] > pivot {
				j--
			}
			if i <= j {
				v[i], v[j] = v[j], v[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return v[k] // between j and i: equal to the pivot
		}
	}
	slices.Sort(v[lo : hi+1])
	return v[k]
}

// orderedKey maps a float64 to a uint64 with the same order (-0 < +0).
func orderedKey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func fromOrderedKey(k uint64) float64 {
	if k>>63 == 1 {
		return math.Float64frombits(k &^ (1 << 63))
	}
	return math.Float64frombits(^k)
}

// midKey returns a float in [lo, hi) halfway between them in ordered bit
// space, for lo < hi.
func midKey(lo, hi float64) float64 {
	a, b := orderedKey(lo), orderedKey(hi)
	return fromOrderedKey(a + (b-a)/2)
}
