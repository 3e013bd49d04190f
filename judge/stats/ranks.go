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
