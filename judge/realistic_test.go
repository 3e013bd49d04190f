package judge

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/randx"
)

// Realistic series, generated with a seeded math/rand/v2 so every run sees
// the same numbers.

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// latency is n per-minute latency points (seconds), lognormal around median.
func latency(r *rand.Rand, n int, median, sigma float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = median * math.Exp(sigma*r.NormFloat64())
	}
	return xs
}

// errorRatios is n per-minute error ratios: rps*60 requests a minute, each
// failing with probability rate, so a low rate gives mostly zeros.
func errorRatios(r *rand.Rand, n int, rps, rate float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		reqs := randx.Poisson(r, rps*60)
		if reqs == 0 {
			xs[i] = math.NaN() // 0/0: no traffic this minute
			continue
		}
		xs[i] = float64(randx.Poisson(r, float64(reqs)*rate)) / float64(reqs)
	}
	return xs
}

// requestRate is n per-minute request rates (req/s) around mean.
func requestRate(r *rand.Rand, n int, mean float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = float64(randx.Poisson(r, mean*60)) / 60
	}
	return xs
}

func scale(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

// servicePolicy is a checkout-like policy in default mode.
func servicePolicy() Policy {
	p := DefaultPolicy()
	ceil := 0.05
	p.Thresholds = Thresholds{Pass: 90, Marginal: 60}
	p.Groups = map[string]float64{"errors": 50, "latency": 30}
	p.Metrics = []Metric{
		{Name: "error_ratio", Group: "errors", Direction: DirIncrease, Critical: true, NaNStrategy: NaNRemove,
			EffectSize: EffectSize{Measure: MeasureMeanDiff, AllowedIncrease: 0.002}, Ceiling: &ceil},
		{Name: "latency_p99", Group: "latency", Direction: DirIncrease, EffectSize: EffectSize{AllowedIncrease: 1.2}},
		{Name: "latency_p50", Group: "latency", Direction: DirIncrease},
		{Name: "request_rate", Group: "saturation", Direction: DirDecrease, EffectSize: EffectSize{AllowedDecrease: 0.8}},
	}
	return p
}

// healthyWindow is one 60-point window of a healthy service; seed varies it.
func healthyWindow(seed uint64) map[string][]float64 {
	r := newRNG(seed)
	return map[string][]float64{
		"error_ratio":  errorRatios(r, 60, 20, 0.001),
		"latency_p99":  latency(r, 60, 0.8, 0.25),
		"latency_p50":  latency(r, 60, 0.12, 0.15),
		"request_rate": requestRate(r, 60, 20),
	}
}

func mustJudge(t testing.TB, p Policy, canary, baseline map[string][]float64) Result {
	t.Helper()
	return mustJudgeSides(t, p, Side{Series: canary}, Side{Series: baseline})
}

func mustJudgeSides(t testing.TB, p Policy, canary, baseline Side) Result {
	t.Helper()
	res, err := JudgeSides(p, canary, baseline)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := json.Marshal(res); err != nil { // never NaN
		t.Fatalf("result does not encode: %v", err)
	}
	return res
}

func metricResult(t testing.TB, res Result, name string) MetricResult {
	t.Helper()
	for _, m := range res.Metrics {
		if m.Name == name {
			return m
		}
	}
	t.Fatalf("no result for %s", name)
	return MetricResult{}
}

func float64FromBits(b uint64) float64 { return math.Float64frombits(b) }

func posInf() float64 { return math.Inf(1) }

// benchWindow is 50 metrics x 1,440 points per side (a day at one-minute
// resolution): latency, error counts (default mode; error ratios full of
// zeros in kayenta mode) and request rates, with a regression in a few.
func benchWindow(mode Mode) (Policy, Side, Side) {
	r := newRNG(99)
	p := DefaultPolicy()
	p.Mode = mode
	canary := Side{Series: Samples{}, Counts: map[string]Count{}}
	base := Side{Series: Samples{}, Counts: map[string]Count{}}
	for i := range 50 {
		name := fmt.Sprintf("m%02d", i)
		m := Metric{Name: name, Group: fmt.Sprintf("g%d", i%5), Direction: DirIncrease}
		switch {
		case i%3 == 0:
			base.Series[name], canary.Series[name] = latency(r, 1440, 0.2, 0.3), latency(r, 1440, 0.2, 0.3)
		case i%3 == 1 && mode == ModeDefault:
			m.Kind = KindCount
			base.Counts[name], canary.Counts[name] = errorCounts(r, 1440, 20, 0.001), errorCounts(r, 1440, 20, 0.001)
		case i%3 == 1:
			base.Series[name], canary.Series[name] = errorRatios(r, 1440, 20, 0.001), errorRatios(r, 1440, 20, 0.001)
		default:
			m.Direction = DirDecrease
			base.Series[name], canary.Series[name] = requestRate(r, 1440, 50), requestRate(r, 1440, 50)
		}
		if c, ok := canary.Counts[name]; ok && i%10 == 0 {
			canary.Counts[name] = Count{Events: scale(c.Events, 1.3), Total: c.Total}
		} else if i%10 == 0 {
			canary.Series[name] = scale(canary.Series[name], 1.3)
		}
		p.Metrics = append(p.Metrics, m)
	}
	return p, canary, base
}

// errorCounts is n per-minute request and error counts.
func errorCounts(r *rand.Rand, n int, rps, rate float64) Count {
	c := Count{Events: make([]float64, n), Total: make([]float64, n)}
	for i := range c.Total {
		c.Total[i] = float64(randx.Poisson(r, rps*60))
		c.Events[i] = float64(randx.Poisson(r, c.Total[i]*rate))
	}
	return c
}

func benchmarkJudge(b *testing.B, mode Mode) {
	p, canary, base := benchWindow(mode)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := JudgeSides(p, canary, base); err != nil {
			b.Fatal(err)
		}
	}
}

// go test -bench Judge -cpu 1 ./judge/ ; the budget is 50 ms per window.
func BenchmarkJudge50x1440Default(b *testing.B) { benchmarkJudge(b, ModeDefault) }
func BenchmarkJudge50x1440Kayenta(b *testing.B) { benchmarkJudge(b, ModeKayenta) }

func TestSortFloats(t *testing.T) {
	r := newRNG(77)
	for _, n := range []int{0, 1, 5, 63, 64, 65, 1440, 5000} {
		xs := make([]float64, n)
		for i := range xs {
			switch i % 5 {
			case 0:
				xs[i] = r.NormFloat64() * 1e6
			case 1:
				xs[i] = math.Copysign(0, -1)
			case 2:
				xs[i] = float64(r.IntN(3))
			default:
				xs[i] = r.ExpFloat64() * 1e-300
			}
		}
		got := sortFloats(xs)
		want := slices.Clone(xs)
		slices.Sort(want)
		if !slices.Equal(got, want) || len(got) != n {
			t.Fatalf("n=%d: sortFloats differs from slices.Sort", n)
		}
	}
}
