package judge

import "math"

// zeroin is R's zeroin (Brent's root finder) as Kayenta's
// KayentaBrentSolver.brentDirect runs it: absolute tolerance 1e-4, at most
// 1001 iterations, and Commons Math's 1-ulp test for f(b) == 0. Kayenta's
// interval bounds are only as accurate as this solver, so reproducing its
// numbers means reproducing its iteration sequence exactly. The explicit
// float64 conversions stop the compiler from fusing multiply-adds, which
// would change the sequence on some architectures.
func zeroin(ax, bx, fa, fb float64, f func(float64) (float64, error)) (float64, error) {
	const (
		eps = 2.220446049250313e-16
		tol = 1e-4
	)
	a, b := ax, bx
	c, fc := a, fa
	if fa == 0 {
		return a, nil
	}
	if fb == 0 {
		return b, nil
	}
	for maxit := 1001; maxit > 0; maxit-- {
		prevStep := b - a
		if math.Abs(fc) < math.Abs(fb) {
			a, b, c = b, c, b
			fa, fb, fc = fb, fc, fb
		}
		tolAct := float64(2*eps*math.Abs(b)) + tol/2
		newStep := (c - b) / 2
		if math.Abs(newStep) <= tolAct || fb == 0 || math.Abs(fb) <= math.SmallestNonzeroFloat64 {
			return b, nil
		}
		if math.Abs(prevStep) >= tolAct && math.Abs(fa) > math.Abs(fb) {
			var p, q float64
			cb := c - b
			if a == c {
				t1 := fb / fa
				p = cb * t1
				q = 1.0 - t1
			} else {
				q = fa / fc
				t1 := fb / fc
				t2 := fb / fa
				p = t2 * (float64(float64(cb*q)*(q-t1)) - float64((b-a)*(t1-1.0)))
				q = (q - 1.0) * (t1 - 1.0) * (t2 - 1.0)
			}
			if p > 0 {
				q = -q
			} else {
				p = -p
			}
			if p < float64(0.75*cb*q)-math.Abs(tolAct*q)/2 && p < math.Abs(prevStep*q/2) {
				newStep = p / q
			}
		}
		if math.Abs(newStep) < tolAct {
			if newStep > 0 {
				newStep = tolAct
			} else {
				newStep = -tolAct
			}
		}
		a, fa = b, fb
		b += newStep
		var err error
		if fb, err = f(b); err != nil {
			return b, err
		}
		if (fb > 0 && fc > 0) || (fb < 0 && fc < 0) {
			c, fc = a, fa
		}
	}
	return b, nil
}
