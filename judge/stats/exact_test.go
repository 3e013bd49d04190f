package stats

import (
	"math"
	"math/bits"
	"testing"
)

// bruteWilcox counts W over every way of choosing which n of the n+m ranks
// belong to x.
func bruteWilcox(n, m int) []float64 {
	counts := make([]float64, n*m+1)
	for mask := uint32(0); mask < 1<<(n+m); mask++ {
		if bits.OnesCount32(mask) != n {
			continue
		}
		// W = sum over x of the number of y below it.
		w, ys := 0, 0
		for r := 0; r < n+m; r++ {
			if mask&(1<<r) != 0 {
				w += ys
			} else {
				ys++
			}
		}
		counts[w]++
	}
	total := 0.0
	for _, c := range counts {
		total += c
	}
	for i := range counts {
		counts[i] /= total
	}
	return counts
}

func TestWilcoxDistMatchesEnumeration(t *testing.T) {
	for n := 1; n <= 8; n++ {
		for m := 1; m <= 8; m++ {
			want := bruteWilcox(n, m)
			d := newWilcoxDist(n, m)
			for k, p := range want {
				if got := d.pdf(k); math.Abs(got-p) > 1e-15 {
					t.Fatalf("n=%d m=%d: P(W=%d) = %v, want %v", n, m, k, got, p)
				}
			}
		}
	}
}

// TestWilcoxDistLarge: the largest automatic sizes and the largest forced
// ones still sum to 1. (Against exact big-integer counts the probabilities
// are within 2e-12 relative up to min(n,m) = 200, 1e-15 for the automatic
// sizes; that check is too slow to keep here.)
func TestWilcoxDistLarge(t *testing.T) {
	for _, nm := range [][2]int{{49, 49}, {49, 3}, {200, 180}} {
		d := newWilcoxDist(nm[0], nm[1])
		sum := 0.0
		for k := 0; k <= d.nm; k++ {
			sum += d.pdf(k)
		}
		if math.Abs(sum-1) > 1e-11 {
			t.Errorf("%v: probabilities sum to %v", nm, sum)
		}
		if c := d.cdf(float64(d.nm)/2, true); c < 0.5-1e-12 || c > 0.51 {
			t.Errorf("%v: P(W <= nm/2) = %v", nm, c)
		}
	}
}

func TestWilcoxQuantileInvertsCDF(t *testing.T) {
	d := newWilcoxDist(7, 9)
	for _, p := range []float64{0.001, 0.025, 0.05, 0.3, 0.5, 0.7, 0.95, 0.999} {
		q := d.quantile(p)
		if d.cdf(float64(q), true) < p-1e-12 || (q > 0 && d.cdf(float64(q-1), true) >= p) {
			t.Errorf("quantile(%v) = %d: cdf %v, cdf below %v", p, q, d.cdf(float64(q), true), d.cdf(float64(q-1), true))
		}
	}
}
