package stats

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// latency returns n lognormal latency-like values (median about exp(mu) ms).
func latency(rng *rand.Rand, n int, mu float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Exp(mu + 0.5*rng.NormFloat64())
	}
	return v
}

func benchData(n int) (x, y []float64) {
	rng := rand.New(rand.NewPCG(1, uint64(n)))
	return latency(rng, n, math.Log(120)), latency(rng, n, math.Log(115))
}

// BenchmarkMannWhitney is the full result (p-value, estimate, interval) on
// latency-like samples of n = m values; the targets are < 1 ms at 1k and
// < 150 ms at 100k.
func BenchmarkMannWhitney(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		x, y := benchData(n)
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := MannWhitney(x, y, DefaultOptions()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkMannWhitneyExact is the exact method at its largest automatic
// size (distribution cached after the first call).
func BenchmarkMannWhitneyExact(b *testing.B) {
	x, y := benchData(49)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MannWhitney(x, y, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWilcoxDist builds the exact distribution at the largest
// automatic size (MannWhitney caches it per size).
func BenchmarkWilcoxDist(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		newWilcoxDist(49, 49)
	}
}

// BenchmarkShiftStatZ is one evaluation of R's W(d), what each uniroot step costs.
func BenchmarkShiftStatZ(b *testing.B) {
	x, y := benchData(100_000)
	s, err := NewShiftStat(x, y)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.Z(3, TwoSided, true)
	}
}

// BenchmarkMannWhitneyZeros is error-rate data: mostly zeros, heavy ties.
func BenchmarkMannWhitneyZeros(b *testing.B) {
	rng := rand.New(rand.NewPCG(2, 3))
	x, y := make([]float64, 100_000), make([]float64, 100_000)
	for i := range x {
		if rng.Float64() < 0.1 {
			x[i] = rng.ExpFloat64() * 0.02
		}
		if rng.Float64() < 0.1 {
			y[i] = rng.ExpFloat64() * 0.01
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MannWhitney(x, y, DefaultOptions()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSortedCopy compares the radix sort with slices.Sort.
func BenchmarkSortedCopy(b *testing.B) {
	x, _ := benchData(100_000)
	b.Run("radix", func(b *testing.B) {
		for b.Loop() {
			sortedCopy(x)
		}
	})
	b.Run("pdqsort", func(b *testing.B) {
		for b.Loop() {
			s := slices.Clone(x)
			slices.Sort(s)
		}
	})
}
