package judge

import (
	"errors"
	"math"
	"slices"
)

// This file ports the interval estimation of Kayenta's MannWhitney.scala
// (kayenta-mannwhitney): R's asymptotic wilcox.test(conf.int = TRUE)
// inversion with tie and continuity correction, solved by R's zeroin with an
// absolute tolerance of 1e-4. It is not R-exact; it reproduces Kayenta's
// numbers, including the 1e-4 solver error, which is why it lives here and
// not in judge/stats.

var errAllTied = errors.New("cannot compute confidence interval when all observations are tied")

// kmw evaluates Kayenta's standardized rank-sum function for one pair of
// samples. x is the experiment (canary), y the control (baseline); both are
// kept sorted in Java's Double.compare order (-0.0 before 0.0).
type kmw struct {
	x, y   []float64
	nx, ny float64
}

func newKMW(experiment, control []float64) *kmw {
	x, y := slices.Clone(experiment), slices.Clone(control)
	slices.SortFunc(x, jcmp)
	slices.SortFunc(y, jcmp)
	return &kmw{x: x, y: y, nx: float64(len(x)), ny: float64(len(y))}
}

// jcmp is Java's Double.compare for non-NaN values.
func jcmp(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == 0 && b == 0 && math.Signbit(a) != math.Signbit(b):
		if math.Signbit(a) {
			return -1
		}
		return 1
	}
	return 0
}

// g is wilcoxonDiff(mu, 0): rank x-mu within (x-mu) ++ y with average ranks
// for ties, dz = ranksum - nx(nx+1)/2 - nx*ny/2, corrected by sign(dz)/2 and
// divided by the tie-corrected sigma. Subtracting a quantile q from g gives
// Kayenta's f(mu, q) bit for bit.
func (k *kmw) g(mu float64) (float64, error) {
	x, y := k.x, k.y
	i, j := 0, 0
	pos, rankSum, tieSum := 0.0, 0.0, 0.0
	for i < len(x) || j < len(y) {
		var v float64
		switch {
		case j >= len(y):
			v = x[i] - mu
		case i >= len(x):
			v = y[j]
		case jcmp(x[i]-mu, y[j]) <= 0:
			v = x[i] - mu
		default:
			v = y[j]
		}
		cx, cy := 0, 0
		for i < len(x) && jcmp(x[i]-mu, v) == 0 {
			i++
			cx++
		}
		for j < len(y) && jcmp(y[j], v) == 0 {
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
	dz := rankSum - float64(nx*(nx+1))/2 - float64(nx*ny)/2
	corr := 0.0
	if dz > 0 {
		corr = 0.5
	} else if dz < 0 {
		corr = -0.5
	}
	sigma := math.Sqrt((nx * ny / 12) * ((nx + ny + 1) - tieSum/((nx+ny)*(nx+ny-1))))
	if sigma == 0 {
		return 0, errAllTied
	}
	return (dz - corr) / sigma, nil
}

// kayentaInterval returns Kayenta's [lower, upper] confidence interval and
// Hodges-Lehmann estimate of experiment - control at confLevel.
func kayentaInterval(experiment, control []float64, confLevel float64) (lower, upper, estimate float64, err error) {
	k := newKMW(experiment, control)
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
