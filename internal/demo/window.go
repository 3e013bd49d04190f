package demo

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/randx"
)

// Points per window side (10 s points in a 5 min window would be 30).
const points = 30

// Window is one analysis body: 30 points a side, the canary regressing
// (five times the error rate, 60 % slower p99) when bad.
func Window(seed uint64, bad bool, start time.Time) map[string]any {
	r := rand.New(rand.NewPCG(seed, 15))
	errRate, slow := 0.002, 1.0
	if bad {
		errRate, slow = 0.01, 1.6
	}
	side := func(rate, latency float64) map[string]any {
		events, total := make([]float64, points), make([]float64, points)
		lat, cpu := make([]float64, points), make([]float64, points)
		for i := range points {
			total[i] = 500
			events[i] = float64(randx.Poisson(r, rate*total[i]))
			lat[i] = math.Round(0.3*latency*math.Exp(0.1*r.NormFloat64())*1e4) / 1e4
			cpu[i] = math.Round((0.5+0.03*r.NormFloat64())*1e4) / 1e4
		}
		return map[string]any{"errors": map[string]any{"events": events, "total": total}, "latency_p99": lat, "cpu": cpu}
	}
	return map[string]any{
		"canary":   side(errRate, slow),
		"baseline": side(0.002, 1),
		"window":   map[string]string{"start": start.UTC().Format(time.RFC3339), "end": start.Add(5 * time.Minute).UTC().Format(time.RFC3339)},
	}
}
