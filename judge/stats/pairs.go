package stats

import "math"

// pairs is the implicit n×m matrix of pairwise differences xs[i] - ys[j] of
// two ascending samples, as R's outer(x, y, "-") would hold them. Rounded
// subtraction is monotone, so each row is non-increasing in j and each column
// non-decreasing in i: one two-pointer sweep of O(n+m) counts the differences
// at or below any value, and order statistics are found by narrowing a
// bracket of actual differences without ever storing the n·m of them.
type pairs struct {
	xs, ys []float64
}

func (p pairs) size() int64 { return int64(len(p.xs)) * int64(len(p.ys)) }

// sweep returns how many differences are <= v, the largest difference <= v
// (valid when count > 0) and the smallest difference > v (valid when
// count < size).
func (p pairs) sweep(v float64) (count int64, below, above float64) {
	xs, ys := p.xs, p.ys
	m := len(ys)
	below, above = math.Inf(-1), math.Inf(1)
	j := 0
	for _, x := range xs {
		for j < m && x-ys[j] > v {
			j++
		}
		count += int64(m - j)
		if j < m {
			if d := x - ys[j]; d > below {
				below = d
			}
		}
		if j > 0 {
			if d := x - ys[j-1]; d < above {
				above = d
			}
		}
	}
	return count, below, above
}

// kth returns the k-th smallest difference (1-based, 1 <= k <= size).
//
// It keeps lo <= target <= hi where lo and hi are actual differences, with
// cLo = #{D < lo} < k <= cHi = #{D <= hi}. Each step counts at a pivot in
// [lo, hi) and snaps the bracket to the nearest difference on the kept side,
// so it stops as soon as one distinct value remains (heavy ties included).
// Pivots interpolate on the counts; when that fails to halve the count span
// the next pivot halves the bracket in the ordered bit space of float64,
// which bounds the search at about 64 such steps.
func (p pairs) kth(k int64) float64 {
	n, m := len(p.xs), len(p.ys)
	lo, hi := p.xs[0]-p.ys[m-1], p.xs[n-1]-p.ys[0]
	cLo, cHi := int64(0), p.size()
	bisect := false
	for lo < hi {
		var pv float64
		if !bisect {
			frac := (float64(k-cLo) - 0.5) / float64(cHi-cLo)
			pv = lo + (hi-lo)*frac
		}
		if bisect || !(pv >= lo && pv < hi) {
			pv = midKey(lo, hi)
		}
		span := cHi - cLo
		c, below, above := p.sweep(pv)
		if c >= k {
			hi, cHi = below, c
		} else {
			lo, cLo = above, c
		}
		bisect = !bisect && 2*(cHi-cLo) > span
	}
	return lo
}

// median is R's median(outer(x, y, "-")): the middle difference, or the mean
// of the two middle ones.
func (p pairs) median() float64 {
	size := p.size()
	if size%2 == 1 {
		return p.kth(size/2 + 1)
	}
	a := p.kth(size / 2)
	b := a
	if c, _, above := p.sweep(a); c < size/2+1 {
		b = above
	}
	return mean2(a, b)
}

// mean2 is (a+b)/2 without overflow for huge values of the same sign.
func mean2(a, b float64) float64 {
	s := (a + b) / 2
	if math.IsInf(s, 0) {
		return a/2 + b/2
	}
	return s
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
