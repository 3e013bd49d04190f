package stats

import "slices"

// radixMin is the sample size from which sortedCopy uses a radix sort.
const radixMin = 512

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
