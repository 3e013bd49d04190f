package judge

import (
	"errors"
	"math"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// This file ports the interval estimation of Kayenta's MannWhitney.scala
// (kayenta-mannwhitney): R's asymptotic wilcox.test(conf.int = TRUE)
// inversion with tie and continuity correction, solved by R's zeroin with an
// absolute tolerance of 1e-4. It is not R-exact; it reproduces Kayenta's
// numbers, including the 1e-4 solver error, which is why it lives here and
// not in judge/stats.

var errAllTied = errors.New("cannot compute confidence interval when all observations are tied")

// kmw evaluates Kayenta's standardized rank-sum function for one pair of
// samples. x is the experiment (canary), y the control (baseline). Values
// are compared through order keys that sort as Java's Double.compare does
// (-0.0 before 0.0, which Commons Math's NaturalRanking does not tie).
type kmw struct {
	x, y   []float64 // sorted
	yk     []uint64  // keys of y
	xk     []uint64  // scratch: keys of x - mu
	nx, ny float64
}

// jkey maps a non-NaN float64 to a key whose unsigned order is
// Double.compare's.
func jkey(f float64) uint64 {
	b := math.Float64bits(f)
	if b>>63 == 1 {
		return ^b
	}
	return b | 1<<63
}

func newKMW(experiment, control []float64) *kmw {
	return newKMWSorted(newSample(experiment).sorted, newSample(control).sorted)
}

// newKMWSorted takes ascending samples (as slices.Sort leaves them) and
// only moves -0.0 ahead of 0.0 within their block.
func newKMWSorted(x, y []float64) *kmw {
	x = zerosSigned(x)
	y = zerosSigned(y)
	yk := make([]uint64, len(y))
	for i, v := range y {
		yk[i] = jkey(v)
	}
	return &kmw{x: x, y: y, yk: yk, xk: make([]uint64, len(x)), nx: float64(len(x)), ny: float64(len(y))}
}

// zerosSigned returns s (or a copy, when it must change) with the zeros of
// its zero block ordered -0.0 first.
func zerosSigned(s []float64) []float64 {
	lo, _ := slices.BinarySearch(s, 0)
	hi, neg := lo, 0
	for hi < len(s) && s[hi] == 0 {
		if math.Signbit(s[hi]) {
			neg++
		}
		hi++
	}
	if neg == 0 {
		return s
	}
	s = slices.Clone(s)
	for i := lo; i < hi; i++ {
		s[i] = 0
		if i < lo+neg {
			s[i] = math.Copysign(0, -1)
		}
	}
	return s
}

// g is wilcoxonDiff(mu, 0): (dz - sign(dz)/2) / sigma. Subtracting a
// quantile q from g gives Kayenta's f(mu, q) bit for bit.
func (k *kmw) g(mu float64) (float64, error) {
	dz, sigma := k.stat(mu)
	if sigma == 0 {
		return 0, errAllTied
	}
	corr := 0.0
	if dz > 0 {
		corr = 0.5
	} else if dz < 0 {
		corr = -0.5
	}
	return (dz - corr) / sigma, nil
}

// stat ranks x-mu within (x-mu) ++ y with average ranks for ties and
// returns dz = ranksum - nx(nx+1)/2 - nx*ny/2 and the tie-corrected sigma.
// x - mu stays sorted: rounding is monotone.
func (k *kmw) stat(mu float64) (dz, sigma float64) {
	xk, yk := k.xk, k.yk
	for i, v := range k.x {
		xk[i] = jkey(v - mu)
	}
	i, j := 0, 0
	pos, rankSum, tieSum := 0.0, 0.0, 0.0
	for i < len(xk) || j < len(yk) {
		v := uint64(0)
		if j >= len(yk) || (i < len(xk) && xk[i] <= yk[j]) {
			v = xk[i]
		} else {
			v = yk[j]
		}
		cx, cy := 0, 0
		for i < len(xk) && xk[i] == v {
			i++
			cx++
		}
		for j < len(yk) && yk[j] == v {
			j++
			cy++
		}
		t := float64(cx + cy)
		rankSum += float64(float64(cx) * (pos + (t+1)/2))
		if t > 1 {
			tieSum += float64(t*t*t) - t
		}
		pos += t
	}
	nx, ny := k.nx, k.ny
	dz = rankSum - float64(nx*(nx+1))/2 - float64(nx*ny)/2
	sigma = math.Sqrt((nx * ny / 12) * ((nx + ny + 1) - tieSum/((nx+ny)*(nx+ny-1))))
	return dz, sigma
}

// test is what R's wilcox.test(x, y, exact = FALSE, correct = TRUE)
// reports, read off the same ranks: W = dz + nx*ny/2 and p = 2·Φ(-|z|).
// Kayenta's classifier does not use it; the judge reports it.
func (k *kmw) test() (w, p float64) {
	dz, _ := k.stat(0)
	z, err := k.g(0)
	if err != nil {
		return dz + k.nx*k.ny/2, 1
	}
	return dz + k.nx*k.ny/2, math.Erfc(math.Abs(z) / math.Sqrt2)
}

// kayentaInterval returns Kayenta's [lower, upper] confidence interval and
// Hodges-Lehmann estimate of experiment - control at confLevel.
func kayentaInterval(experiment, control []float64, confLevel float64) (lower, upper, estimate float64, err error) {
	return newKMW(experiment, control).interval(confLevel)
}

// interval is kayentaInterval on k's samples.
func (k *kmw) interval(confLevel float64) (lower, upper, estimate float64, err error) {
	muMin := k.x[0] - k.y[len(k.y)-1]
	muMax := k.x[len(k.x)-1] - k.y[0]
	gMin, err := k.g(muMin)
	if err != nil {
		return 0, 0, 0, err
	}
	gMax, err := k.g(muMax)
	if err != nil {
		return 0, 0, 0, err
	}
	zq := normalQuantile((1 - confLevel) / 2)
	findRoot := func(q float64) (float64, error) {
		fLo, fHi := gMin-q, gMax-q
		if fLo <= 0 {
			return muMin, nil
		}
		if fHi >= 0 {
			return muMax, nil
		}
		return zeroin(muMin, muMax, fLo, fHi, k.f(q))
	}
	if lower, err = findRoot(-zq); err != nil {
		return 0, 0, 0, err
	}
	if upper, err = findRoot(zq); err != nil {
		return 0, 0, 0, err
	}
	estimate, err = zeroin(muMin, muMax, gMin, gMax, k.f(0))
	return lower, upper, estimate, err
}

func (k *kmw) f(q float64) func(float64) (float64, error) {
	return func(mu float64) (float64, error) {
		g, err := k.g(mu)
		return g - q, err
	}
}

// normalQuantile is Commons Math's NormalDistribution(0,1)
// inverseCumulativeProbability: sqrt(2) * erfInv(2p - 1).
func normalQuantile(p float64) float64 { return math.Sqrt2 * math.Erfinv(2*p-1) }

// zeroin is R's zeroin (Brent's root finder) as Kayenta's solver runs it:
// absolute tolerance 1e-4. Kayenta's interval bounds are only as accurate
// as this solver, so reproducing its numbers means reproducing its
// iteration sequence exactly, which stats.Uniroot (a step-for-step port of
// R's zeroin) does. An error from f stops the search.
func zeroin(ax, bx, fa, fb float64, f func(float64) (float64, error)) (float64, error) {
	if fa == 0 {
		return ax, nil
	}
	if fb == 0 {
		return bx, nil
	}
	var ferr error
	root, _, err := stats.Uniroot(func(x float64) float64 {
		v, e := f(x)
		if e != nil && ferr == nil {
			ferr = e
		}
		return v
	}, ax, bx, fa, fb, 1e-4, 1001)
	if ferr != nil {
		return root, ferr
	}
	return root, err
}
