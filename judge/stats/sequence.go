package stats

import (
	"math"

	"gonum.org/v1/gonum/mathext"
)

// Anytime-valid confidence sequences.
//
// A fixed-horizon interval is wrong with probability alpha at ONE look; a
// deploy tool that asks every minute gets a false alarm at some look far
// more often. A confidence sequence holds at every look at once: the
// probability that it EVER excludes the true effect is at most alpha,
// however often and whenever it is checked (Howard, Ramdas, McAuliffe and
// Sekhon, "Time-uniform, nonparametric, nonasymptotic confidence
// sequences", Ann. Statist. 2021; Ville's inequality on a mixture
// martingale).

// NormalMixtureHalfWidth is the half-width of the two-sided normal-mixture
// confidence sequence for an estimate with information I = 1/SE^2 (the
// running sum S = I*(estimate - effect) behaves as a martingale with
// variance process I): |S| <= sqrt((I + rho) log((I + rho)/(rho alpha^2))),
// so the half-width is that over I. rho > 0 is the mixture's precision: the
// boundary is tightest when I is near rho. With probability at least
// 1-alpha the sequence never excludes the effect (each side at most alpha).
func NormalMixtureHalfWidth(info, rho, alpha float64) float64 {
	if !(info > 0) || !(rho > 0) {
		return math.Inf(1)
	}
	v := info + rho
	return math.Sqrt(v*math.Log(v/(rho*alpha*alpha))) / info
}

// BetaBinomialLogBF is the log of the Beta(a, b) mixture's likelihood ratio
// against p0 after x successes in n trials (real x and n allowed): the
// mixture martingale of Lindon and Malek ("Anytime-valid inference for
// multinomial count data", NeurIPS 2022) for two categories. Under p = p0
// its exponential is a nonnegative martingale with mean 1.
func BetaBinomialLogBF(x, n, a, b, p0 float64) float64 {
	lbeta := func(a, b float64) float64 { return mathext.Lbeta(a, b) }
	ll := 0.0
	if x > 0 {
		ll += x * math.Log(p0)
	}
	if n-x > 0 {
		ll += (n - x) * math.Log1p(-p0)
	}
	return lbeta(a+x, b+n-x) - lbeta(a, b) - ll
}

// BetaBinomialCS is the confidence set {p : BF(p) < 1/alpha} for a binomial
// proportion after x successes in n trials under a Beta(a, b) mixture: an
// interval, since log BF is convex in p. It holds at every n with
// probability at least 1-alpha (Ville).
func BetaBinomialCS(x, n, a, b, alpha float64) (lo, hi float64) {
	lim := math.Log(1 / alpha)
	f := func(p float64) float64 { return BetaBinomialLogBF(x, n, a, b, p) - lim }
	// The minimiser of -ll is the MLE; clamp it inside (0, 1).
	mle := (x + 1e-9) / (n + 2e-9)
	mle = min(max(mle, 1e-12), 1-1e-12)
	if f(mle) >= 0 { // nothing excluded yet
		return 0, 1
	}
	lo, hi = 0, 1
	if f(1e-15) > 0 {
		lo = bisect(f, 1e-15, mle)
	}
	if f(1-1e-15) > 0 {
		hi = bisect(f, mle, 1-1e-15)
	}
	return lo, hi
}

// bisect finds the sign change of f between a and b (f(a), f(b) of opposite
// signs) on the logit scale, to 1e-12 relative.
func bisect(f func(float64) float64, a, b float64) float64 {
	logit := func(p float64) float64 { return math.Log(p / (1 - p)) }
	inv := func(z float64) float64 { return 1 / (1 + math.Exp(-z)) }
	za, zb := logit(a), logit(b)
	fa := f(a)
	for range 200 {
		zm := (za + zb) / 2
		fm := f(inv(zm))
		if (fm > 0) == (fa > 0) {
			za, fa = zm, fm
		} else {
			zb = zm
		}
		if math.Abs(zb-za) < 1e-12*(1+math.Abs(za)) {
			break
		}
	}
	return inv((za + zb) / 2)
}
