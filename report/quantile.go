package report

import (
	"math"
	"slices"
)

// QuantilesOf summarises xs with R's type 7 quantiles (R's default:
// quantile(x, c(0, .25, .5, .75, 1))) and the mean. NaN and infinite
// points (missing data) are left out; N counts the rest.
func QuantilesOf(xs []float64) Quantiles {
	s := make([]float64, 0, len(xs))
	sum := 0.0
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			s = append(s, x)
			sum += x
		}
	}
	q := Quantiles{N: len(s)}
	if len(s) == 0 {
		return q
	}
	slices.Sort(s)
	at := func(p float64) *float64 { v := quantile7(s, p); return &v }
	mean := sum / float64(len(s))
	q.Min, q.Q1, q.Median, q.Q3, q.Max, q.Mean = at(0), at(0.25), at(0.5), at(0.75), at(1), &mean
	return q
}

// quantile7 is R's type 7 quantile of sorted s: h = (n-1)p, interpolated
// between the neighbouring order statistics.
func quantile7(s []float64, p float64) float64 {
	h := float64(len(s)-1) * p
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (h-lo)*(s[i+1]-s[i])
}
