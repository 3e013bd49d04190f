package judge

import (
	"math"
	"slices"
)

// Preprocessing, as Kayenta does it: NaN handling first, then outliers, each
// side on its own. Inputs are never modified.

// removeNaN returns xs without NaN values.
func removeNaN(xs []float64) []float64 {
	if !slices.ContainsFunc(xs, math.IsNaN) {
		return slices.Clip(xs) // nothing writes to it; an append copies
	}
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) {
			out = append(out, x)
		}
	}
	return out
}

// replaceNaN returns xs with every NaN replaced by v.
func replaceNaN(xs []float64, v float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		if math.IsNaN(x) {
			x = v
		}
		out[i] = x
	}
	return out
}

// percentileR7 is Hyndman-Fan type 7 (R's default) of sorted data, p in
// [0, 100]. It is NaN for no data.
func percentileR7(sorted []float64, p float64) float64 {
	n := len(sorted)
	if n == 0 {
		return math.NaN()
	}
	h := float64(n-1) * p / 100
	lo := math.Floor(h)
	i := int(lo)
	if i >= n-1 {
		return sorted[n-1]
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i])
}

// detectIQR marks values strictly outside [Q1 - f*IQR, Q3 + f*IQR]. With
// reduceSensitivity (what Kayenta's judge uses) the fences widen to the 1st
// and 99th percentiles when those lie further out.
func detectIQR(xs []float64, factor float64, reduceSensitivity bool) []bool {
	out := make([]bool, len(xs))
	if len(xs) == 0 {
		return out
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	q1, q3 := percentileR7(s, 25), percentileR7(s, 75)
	iqr := q3 - q1
	lo, hi := q1-factor*iqr, q3+factor*iqr
	if reduceSensitivity {
		lo = min(percentileR7(s, 1), lo)
		hi = max(percentileR7(s, 99), hi)
	}
	for i, x := range xs {
		out[i] = x < lo || x > hi
	}
	return out
}

// detectKSigma marks values more than k population standard deviations
// from the mean.
func detectKSigma(xs []float64, k float64) []bool {
	out := make([]bool, len(xs))
	if len(xs) == 0 {
		return out
	}
	mean := kmean(xs)
	ss := 0.0
	for _, x := range xs {
		ss += (x - mean) * (x - mean)
	}
	sd := math.Sqrt(ss / float64(len(xs)))
	for i, x := range xs {
		out[i] = math.Abs(x-mean) > sd*k
	}
	return out
}

// keep returns the values of xs whose mask entry is false, in order.
func keep(xs []float64, outlier []bool) []float64 {
	out := make([]float64, 0, len(xs))
	for i, x := range xs {
		if !outlier[i] {
			out = append(out, x)
		}
	}
	return out
}

// preprocess applies m's NaN strategy and outlier removal to one side.
// cleaned is the series after NaN handling (what ceilings are checked on);
// final is what the classifier sees.
func preprocess(xs []float64, m Metric) (cleaned, final []float64, nans, outliers int) {
	if m.NaNStrategy == NaNReplace {
		cleaned = replaceNaN(xs, 0)
	} else {
		cleaned = removeNaN(xs)
	}
	for _, x := range xs {
		if math.IsNaN(x) {
			nans++
		}
	}
	switch m.Outliers.Strategy {
	case OutliersIQR:
		final = keep(cleaned, detectIQR(cleaned, m.Outliers.Factor, true))
	case OutliersKSigma:
		final = keep(cleaned, detectKSigma(cleaned, m.Outliers.Factor))
	default:
		final = cleaned
	}
	return cleaned, final, nans, len(cleaned) - len(final)
}

// addGaussianNoise returns xs with N(mean, sd²) noise added to each value,
// drawn from rng.
func addGaussianNoise(xs []float64, mean, sd float64, rng *javaRandom) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x + float64(rng.nextGaussian()*sd) + mean
	}
	return out
}

// javaRandom is java.util.Random (its algorithm is part of the Java API
// specification), so Kayenta's seeded noise is reproducible and the judge
// stays deterministic.
type javaRandom struct {
	seed     uint64
	haveNext bool
	next     float64
}

const (
	jrMult = 0x5DEECE66D
	jrMask = 1<<48 - 1
)

func newJavaRandom(seed int64) *javaRandom {
	return &javaRandom{seed: (uint64(seed) ^ jrMult) & jrMask}
}

func (r *javaRandom) bits(n uint) int64 {
	r.seed = (r.seed*jrMult + 0xB) & jrMask
	return int64(int32(r.seed >> (48 - n)))
}

func (r *javaRandom) nextDouble() float64 {
	return float64(r.bits(26)<<27+r.bits(27)) * 0x1.0p-53
}

// nextGaussian is Java's polar method.
func (r *javaRandom) nextGaussian() float64 {
	if r.haveNext {
		r.haveNext = false
		return r.next
	}
	for {
		v1 := 2*r.nextDouble() - 1
		v2 := 2*r.nextDouble() - 1
		s := v1*v1 + v2*v2
		if s < 1 && s != 0 {
			mul := math.Sqrt(-2 * math.Log(s) / s)
			r.next, r.haveNext = v2*mul, true
			return v1 * mul
		}
	}
}
