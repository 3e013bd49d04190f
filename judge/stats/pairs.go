package stats

import (
	"math"
	"slices"
)

// pairs is the implicit n×m matrix of pairwise differences xs[i] - ys[j] of
// two ascending samples, as R's outer(x, y, "-") would hold them. Rounded
// subtraction is monotone, so each row is non-increasing in j and each column
// non-decreasing in i: one two-pointer sweep of O(n+m) counts the differences
// at or below any value, and order statistics are found by narrowing a
// bracket of actual differences without ever storing the n·m of them.
type pairs struct {
	xs, ys []float64
	sample []float64 // sorted random differences, made on first use
	pivots []float64 // scratch for samplePivots
	buf    []float64 // scratch for collect
}

func newPairs(xs, ys []float64) *pairs { return &pairs{xs: xs, ys: ys} }

func (p *pairs) size() int64 { return int64(len(p.xs)) * int64(len(p.ys)) }

// sweep returns how many differences are <= v, the largest difference <= v
// (valid when count > 0) and the smallest difference > v (valid when
// count < size).
func (p *pairs) sweep(v float64) (count int64, below, above float64) {
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
// For large n·m the first two pivots bracket the target's quantile in a
// fixed random sample of differences, which leaves a narrow bracket whatever
// the shape of the data. Further pivots are secant steps on the counts
// through the last two pivots (superlinear where the counts are smooth),
// else regula falsi on the bracket; after three steps in a row that fail to
// halve the count span comes a bisection, in value or, across magnitudes, in
// the ordered bit space of float64, which bounds the search.
func (p *pairs) kth(k int64) float64 {
	n, m := len(p.xs), len(p.ys)
	lo, hi := p.xs[0]-p.ys[m-1], p.xs[n-1]-p.ys[0]
	cLo, cHi := int64(0), p.size()
	target := float64(k) - 0.5
	var prevP, prevF, lastP, lastF float64 // last two pivots and count - target there
	steps, slow := 0, 0
	pivots := p.samplePivots(k)
	for lo < hi {
		if cHi-cLo <= collectMax {
			return p.collect(lo, hi, k-cLo)
		}
		var pv float64
		switch {
		case len(pivots) > 0:
			pv, pivots = pivots[0], pivots[1:]
			if !(pv >= lo && pv < hi) {
				continue
			}
		case slow >= 3:
			pv, slow = midpoint(lo, hi), 0
		default:
			pv = math.NaN()
			if steps >= 2 && lastF != prevF {
				pv = lastP - lastF*((lastP-prevP)/(lastF-prevF))
			}
			if !(pv >= lo && pv < hi) {
				pv = lo + (hi-lo)*((target-float64(cLo))/float64(cHi-cLo))
			}
			if !(pv >= lo && pv < hi) {
				pv = midpoint(lo, hi)
			}
		}
		span := cHi - cLo
		c, below, above := p.sweep(pv)
		if c >= k {
			hi, cHi = below, c
		} else {
			lo, cLo = above, c
		}
		prevP, prevF, lastP, lastF = lastP, lastF, pv, float64(c)-target
		steps++
		if 2*(cHi-cLo) > span {
			slow++
		} else {
			slow = 0
		}
	}
	return lo
}

// collectMax is the bracket size at which kth stops counting and selects
// among the remaining candidates instead.
const collectMax = 1024

// collect returns the r-th smallest (1-based) of the differences in
// [lo, hi], of which there are at most collectMax.
func (p *pairs) collect(lo, hi float64, r int64) float64 {
	if p.buf == nil {
		p.buf = make([]float64, 0, min(collectMax, p.size()))
	}
	buf := p.buf[:0]
	ys := p.ys
	m := len(ys)
	jHi, jLo := 0, 0 // first j with x - ys[j] <= hi, and < lo
	for _, x := range p.xs {
		for jHi < m && x-ys[jHi] > hi {
			jHi++
		}
		for jLo < m && x-ys[jLo] >= lo {
			jLo++
		}
		for j := jHi; j < jLo; j++ {
			buf = append(buf, x-ys[j])
		}
	}
	p.buf = buf
	return selectKth(buf, int(r-1))
}

// maxSample is the largest number of random differences used to start kth;
// smaller samples (a quarter of n+m) are used where a count is cheap.
const maxSample = 1024

// samplePivots returns two sampled differences that bracket the k-th
// smallest with high probability (three standard errors of the sample
// quantile each side), or nothing when n·m is small.
func (p *pairs) samplePivots(k int64) []float64 {
	size := p.size()
	sampleSize := min(maxSample, (len(p.xs)+len(p.ys))/4)
	if size <= 4*int64(sampleSize) || sampleSize < 64 {
		return nil
	}
	if p.sample == nil {
		p.sample = make([]float64, sampleSize)
		n, m := uint64(len(p.xs)), uint64(len(p.ys))
		state := 0x9e3779b97f4a7c15 ^ n<<32 ^ m // fixed seed: results never depend on it
		for i := range p.sample {
			a, b := splitmix(&state), splitmix(&state)
			p.sample[i] = p.xs[a%n] - p.ys[b%m]
		}
		slices.Sort(p.sample)
	}
	s := float64(sampleSize)
	q := (float64(k) - 0.5) / float64(size)
	r := q * s
	d := 3*math.Sqrt(s*q*(1-q)) + 2
	i, j := int(math.Floor(r-d)), int(math.Ceil(r+d))
	p.pivots = p.pivots[:0]
	if i >= 0 {
		p.pivots = append(p.pivots, p.sample[i])
	}
	if j < sampleSize {
		p.pivots = append(p.pivots, p.sample[j])
	}
	return p.pivots
}

func splitmix(s *uint64) uint64 {
	*s += 0x9e3779b97f4a7c15
	z := *s
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// midpoint returns a value in [lo, hi) that halves the bracket: the mean when
// both ends are of one magnitude, else the middle in ordered bit space (at
// most 64 such halvings separate any two float64 values).
func midpoint(lo, hi float64) float64 {
	a, b := math.Abs(lo), math.Abs(hi)
	if mid := lo/2 + hi/2; max(a, b) <= 4*min(a, b) && mid >= lo && mid < hi {
		return mid
	}
	return midKey(lo, hi)
}

// median is R's median(outer(x, y, "-")): the middle difference, or the mean
// of the two middle ones.
func (p *pairs) median() float64 {
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
