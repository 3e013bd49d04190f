package stats_test

import (
	"errors"
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// A canary against its baseline, as R's
// wilcox.test(canary, baseline, conf.int = TRUE) reports it.
func ExampleMannWhitney() {
	canary := []float64{10, 20, 30, 40}
	baseline := []float64{1, 2, 3, 4}
	r, err := stats.MannWhitney(canary, baseline, stats.DefaultOptions())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("W = %g, p = %.4f (%s)\n", r.W, r.PValue, r.Method)
	fmt.Printf("shift %g, 95%% CI [%g, %g]\n", r.Estimate, r.ConfInt[0], r.ConfInt[1])
	// Output:
	// W = 16, p = 0.0286 (exact)
	// shift 22.5, 95% CI [6, 39]
}

// R's own asymptotic interval, step for step: ShiftStat is R's W(d) closure
// and Uniroot its uniroot (Brent with tol 1e-4). This is also how a port of
// Kayenta's MannWhitney.scala can be written; MannWhitney instead returns
// the exact jumps that R's search converges to.
func ExampleUniroot() {
	canary := []float64{1, 2, 2, 3, 3, 3, 4}
	baseline := []float64{2, 2, 3, 5, 5, 6}
	s, err := stats.NewShiftStat(canary, baseline)
	if err != nil {
		fmt.Println(err)
		return
	}
	lo, hi := s.Bounds()
	const zq = 1.959963984540054 // qnorm(0.975)
	f := func(d float64) float64 { return s.Z(d, stats.TwoSided, true) - zq }
	root, _, err := stats.Uniroot(f, lo, hi, f(lo), f(hi), 1e-4, 1000)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, _ := stats.MannWhitney(canary, baseline, stats.DefaultOptions())
	fmt.Printf("uniroot %.6f, exact jump %g\n", root, r.ConfInt[0])
	// Output:
	// uniroot -3.000035, exact jump -3
}

// Error-rate metrics are often all zero on both sides. The test is still
// defined (no evidence of a shift: p = 1); the interval is not.
func ExampleMannWhitney_allTied() {
	canary := []float64{0, 0, 0, 0}
	baseline := []float64{0, 0, 0}
	r, err := stats.MannWhitney(canary, baseline, stats.DefaultOptions())
	switch {
	case errors.Is(err, stats.ErrAllTied):
		fmt.Printf("W = %g, p = %g, estimate defined: %v\n", r.W, r.PValue, r.HasEstimate)
	case err != nil:
		fmt.Println(err)
	}
	// Output:
	// W = 6, p = 1, estimate defined: false
}

// The k-th smallest of all n·m differences, without building them.
func ExampleShiftStat_OrderStat() {
	s, _ := stats.NewShiftStat([]float64{10, 20, 30, 40}, []float64{1, 2, 3, 4})
	fmt.Println(s.OrderStat(1), s.OrderStat(8), s.OrderStat(16), s.Median())
	// Output:
	// 6 19 39 22.5
}
