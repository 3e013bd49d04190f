// Package randx draws the counts the simulator and the test data
// generators need (requests per point, errors among them) from a seeded
// math/rand/v2 source, so the same seed gives the same data everywhere.
package randx

import (
	"math"
	"math/rand/v2"
)

// Poisson draws Poisson(lambda): Knuth's product method up to 30, a
// rounded normal above (its error is far below the noise we model).
func Poisson(r *rand.Rand, lambda float64) int {
	if lambda <= 0 {
		return 0
	}
	if lambda > 30 {
		return max(0, int(math.Round(lambda+math.Sqrt(lambda)*r.NormFloat64())))
	}
	l, k, p := math.Exp(-lambda), 0, 1.0
	for {
		p *= r.Float64()
		if p <= l {
			return k
		}
		k++
	}
}

// Binomial draws Binomial(n, p): Bernoulli trials for small n, Poisson for
// rare (or near-certain) events, a rounded normal otherwise.
func Binomial(r *rand.Rand, n int, p float64) int {
	switch {
	case n <= 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	case n < 40:
		k := 0
		for range n {
			if r.Float64() < p {
				k++
			}
		}
		return k
	case float64(n)*p < 15:
		return min(n, Poisson(r, float64(n)*p))
	case float64(n)*(1-p) < 15:
		return n - min(n, Poisson(r, float64(n)*(1-p)))
	}
	mu, sd := float64(n)*p, math.Sqrt(float64(n)*p*(1-p))
	return max(0, min(n, int(math.Round(mu+sd*r.NormFloat64()))))
}
