package judge

import (
	"errors"
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// normalTest is the informational W and p-value reported in kayenta mode:
// R's wilcox.test(canary, baseline, exact = FALSE, correct = TRUE).
func normalTest(canary, baseline []float64) (w, p float64) {
	r, err := stats.MannWhitney(canary, baseline, stats.Options{
		Alternative: stats.TwoSided, ConfLevel: 0.95, Exact: stats.ExactNormal, Correct: true,
	})
	if err != nil && !errors.Is(err, stats.ErrAllTied) {
		return math.NaN(), math.NaN()
	}
	return r.W, r.PValue
}
