package stats

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"gonum.org/v1/gonum/stat/distuv"
)

// benchTSets are (p, df) pairs: "judge" is what the judge asks for (one-
// and two-sided levels from 0.95 to 0.9995, Welch degrees of freedom from 2
// to 200, non-integer), "wide" spans the accuracy contract (p from 1e-12 to
// 1/2, df from 1 to 1e6 and Inf).
var benchTSets = []struct {
	name string
	args [][2]float64
}{
	{"judge", benchTGrid([]float64{0.95, 0.975, 0.99, 0.995, 0.9995},
		[]float64{2.3, 4.7, 7.9, 11.2, 17.6, 23.4, 36.8, 58.1, 97.3, 199.5})},
	{"wide", benchTGrid([]float64{1e-12, 1e-8, 1e-5, 1e-3, 0.01, 0.05, 0.2, 0.4, 0.499},
		[]float64{1, 1.5, 3.3, 9.3, 28.6, 118.4, 1e3 + 0.5, 1e5, 1e6, math.Inf(1)})},
}

func benchTGrid(ps, dfs []float64) [][2]float64 {
	var a [][2]float64
	for _, p := range ps {
		for _, df := range dfs {
			a = append(a, [2]float64{p, df})
		}
	}
	return a
}

// benchTEach runs f over a set's pairs in turn and reports ns per call,
// and the calling thread's CPU time per call as cpu-ns/op.
func benchTEach(b *testing.B, f func(p, df float64) float64) {
	for _, set := range benchTSets {
		b.Run(set.name, func(b *testing.B) {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			s, i := 0.0, 0
			cpu := threadCPU()
			for b.Loop() {
				a := set.args[i]
				s += f(a[0], a[1])
				if i++; i == len(set.args) {
					i = 0
				}
			}
			if cpu > 0 {
				b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
			}
			if math.IsNaN(s) {
				b.Fatal(s)
			}
		})
	}
}

// BenchmarkTQuantile is one TQuantile call.
func BenchmarkTQuantile(b *testing.B) { benchTEach(b, TQuantile) }

// BenchmarkTQuantileGonum is what TQuantile replaced, for comparison.
func BenchmarkTQuantileGonum(b *testing.B) {
	benchTEach(b, func(p, df float64) float64 {
		if math.IsInf(df, 1) {
			return distuv.UnitNormal.Quantile(p)
		}
		return distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Quantile(p)
	})
}

// BenchmarkTPValue is one Contrast.PValue call (the t upper tail at the
// p-th quantile, so the same spread of t).
func BenchmarkTPValue(b *testing.B) {
	benchTEach(b, func(p, df float64) float64 {
		return Contrast{Estimate: benchTQuantile(p, df), SE: 1, DF: df}.PValue()
	})
}

// BenchmarkTPValueGonum is the gonum survival function PValue used before.
func BenchmarkTPValueGonum(b *testing.B) {
	benchTEach(b, func(p, df float64) float64 {
		z := math.Abs(benchTQuantile(p, df))
		if math.IsInf(df, 1) {
			return 2 * distuv.UnitNormal.Survival(z)
		}
		return 2 * distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}.Survival(z)
	})
}

var benchTQ = map[[2]float64]float64{}

// benchTQuantile is TQuantile from a table filled outside the timed loop.
func benchTQuantile(p, df float64) float64 {
	q, ok := benchTQ[[2]float64{p, df}]
	if !ok {
		panic(fmt.Sprint("benchTQuantile: unknown pair ", p, df))
	}
	return q
}

func init() {
	for _, set := range benchTSets {
		for _, a := range set.args {
			benchTQ[a] = TQuantile(a[0], a[1])
		}
	}
}
