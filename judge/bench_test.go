package judge

import (
	"fmt"
	"testing"
)

// benchWindow is 50 metrics x 1,440 points per side (a day at one-minute
// resolution): latency, error ratios full of zeros and request rates, with
// a regression in a few of them.
func benchWindow(mode Mode) (Policy, map[string][]float64, map[string][]float64) {
	r := newRNG(99)
	p := DefaultPolicy()
	p.Mode = mode
	canary, base := map[string][]float64{}, map[string][]float64{}
	for i := range 50 {
		name := fmt.Sprintf("m%02d", i)
		m := Metric{Name: name, Group: fmt.Sprintf("g%d", i%5), Direction: DirIncrease}
		switch i % 3 {
		case 0:
			base[name], canary[name] = latency(r, 1440, 0.2, 0.3), latency(r, 1440, 0.2, 0.3)
		case 1:
			m.NaNStrategy = NaNRemove
			base[name], canary[name] = errorRatios(r, 1440, 20, 0.001), errorRatios(r, 1440, 20, 0.001)
		default:
			m.Direction = DirDecrease
			base[name], canary[name] = requestRate(r, 1440, 50), requestRate(r, 1440, 50)
		}
		if i%10 == 0 {
			canary[name] = scale(canary[name], 1.3)
		}
		p.Metrics = append(p.Metrics, m)
	}
	return p, canary, base
}

func benchmarkJudge(b *testing.B, mode Mode) {
	p, canary, base := benchWindow(mode)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Judge(p, canary, base); err != nil {
			b.Fatal(err)
		}
	}
}

// go test -bench Judge -cpu 1 ./judge/ ; the budget is 50 ms per window.
func BenchmarkJudge50x1440Default(b *testing.B) { benchmarkJudge(b, ModeDefault) }
func BenchmarkJudge50x1440Kayenta(b *testing.B) { benchmarkJudge(b, ModeKayenta) }
