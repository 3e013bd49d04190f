package stats

import (
	"math"
	"sync"
)

// wilcoxDist is the exact null distribution of W for samples of sizes n and
// m without ties. Only the lower half of the probabilities is stored; the
// distribution is symmetric about n·m/2.
type wilcoxDist struct {
	nm   int
	half []float64 // half[k] = P(W = k) for k = 0..nm/2
}

// newWilcoxDist builds the distribution in O(n·m) memory. The counts of W are
// the coefficients of the Gaussian binomial [n+m choose m]_q (Harding 1984),
// built as the product over i = 1..s of (1 - q^(l+i)) / (1 - q^i) with
// s = min(n,m), l = max(n,m). Each factor only moves mass to higher powers,
// so coefficients up to nm/2 need nothing above nm/2. Scaling by i/(l+i)
// after each factor keeps the coefficients probabilities (no overflow where
// choose(n+m, n) would exceed float64).
func newWilcoxDist(n, m int) *wilcoxDist {
	s, l := min(n, m), max(n, m)
	nm := n * m
	h := nm / 2
	f := make([]float64, h+1)
	f[0] = 1
	for i := 1; i <= s; i++ {
		a := l + i
		for k := h; k >= a; k-- {
			f[k] -= f[k-a]
		}
		// Divide by (1 - q^i) and scale in one pass: f[k-i] is scaled already.
		scale := float64(i) / float64(a)
		for k := range min(i, h+1) {
			f[k] *= scale
		}
		for k := i; k <= h; k++ {
			f[k] = scale*f[k] + f[k-i]
		}
	}
	return &wilcoxDist{nm: nm, half: f}
}

// distCache holds the distributions for samples under 50 values, the sizes
// the automatic choice makes exact: at most 1225 immutable tables, 6 MB if
// every one were used, each built once instead of on every call.
var distCache sync.Map // [2]int{min(n,m), max(n,m)} → *wilcoxDist

// wilcoxDistFor returns the distribution for sizes n and m (symmetric in them).
func wilcoxDistFor(n, m int) *wilcoxDist {
	if n >= 50 || m >= 50 {
		return newWilcoxDist(n, m)
	}
	key := [2]int{min(n, m), max(n, m)}
	if d, ok := distCache.Load(key); ok {
		return d.(*wilcoxDist)
	}
	d, _ := distCache.LoadOrStore(key, newWilcoxDist(n, m))
	return d.(*wilcoxDist)
}

func (d *wilcoxDist) pdf(k int) float64 {
	if k < 0 || k > d.nm {
		return 0
	}
	return d.half[min(k, d.nm-k)]
}

// cdf is R's pwilcox(q, n, m, lower.tail), summing over the shorter side.
func (d *wilcoxDist) cdf(q float64, lower bool) float64 {
	nm := float64(d.nm)
	q = math.Floor(q + 1e-7)
	if q < 0 {
		return tail(0, lower)
	}
	if q >= nm {
		return tail(1, lower)
	}
	p := 0.0
	if q <= nm/2 {
		for i := 0; i <= int(q); i++ {
			p += d.pdf(i)
		}
	} else {
		q = nm - q
		for i := 0; i < int(q); i++ {
			p += d.pdf(i)
		}
		lower = !lower
	}
	return tail(p, lower)
}

// tail returns p for the lower tail and 1 - p (as R writes it) otherwise.
func tail(p float64, lower bool) float64 {
	if lower {
		return p
	}
	return 0.5 - p + 0.5
}

// quantile is R's qwilcox(x, n, m) for the lower tail, including its
// 10·DBL_EPSILON fuzz.
func (d *wilcoxDist) quantile(x float64) int {
	const eps = 2.220446049250313e-16
	if x == 0 {
		return 0
	}
	if x == 1 {
		return d.nm
	}
	p := 0.0
	q := 0
	if x <= 0.5 {
		x -= 10 * eps
		for {
			p += d.pdf(q)
			if p >= x || q >= d.nm {
				return q
			}
			q++
		}
	}
	x = 1 - x + 10*eps
	for {
		p += d.pdf(q)
		if p > x || q >= d.nm {
			return d.nm - q
		}
		q++
	}
}

// pValue is R's exact p-value for the statistic w.
func (d *wilcoxDist) pValue(w float64, alt Alternative) float64 {
	switch alt {
	case Greater:
		return d.cdf(w-1, false)
	case Less:
		return d.cdf(w, true)
	}
	var p float64
	if w > float64(d.nm)/2 {
		p = d.cdf(w-1, false)
	} else {
		p = d.cdf(w, true)
	}
	return min(2*p, 1)
}

// confInt fills the exact interval and estimate from order statistics of the
// pairwise differences, with R's choice of indices and achieved level.
func (d *wilcoxDist) confInt(pr *pairs, opt Options, res *Result) {
	alpha := 1 - opt.ConfLevel
	nm := d.nm
	var achieved float64
	switch opt.Alternative {
	case Greater, Less:
		qu := max(d.quantile(alpha), 1)
		achieved = d.cdf(float64(qu)-1, true)
		if opt.Alternative == Greater {
			res.ConfInt = [2]float64{pr.kth(int64(qu)), math.Inf(1)}
		} else {
			res.ConfInt = [2]float64{math.Inf(-1), pr.kth(int64(nm - qu + 1))}
		}
	default:
		qu := max(d.quantile(alpha/2), 1)
		achieved = 2 * d.cdf(float64(qu)-1, true)
		res.ConfInt = [2]float64{pr.kth(int64(qu)), pr.kth(int64(nm - qu + 1))}
	}
	res.AchievedConfLevel = opt.ConfLevel
	if achieved-alpha > alpha/2 {
		res.AchievedConfLevel = 1 - achieved
	}
	res.Estimate = pr.median()
	res.HasEstimate = true
}
