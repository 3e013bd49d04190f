package sim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/randx"
	"github.com/canaryjudge/canaryjudge/judge"
)

// role is how the simulator generates a metric, from its kind and
// direction: error-like counts, KPI-like counts, latencies, gauges.
type role int

const (
	roleErrors role = iota // count or ratio whose increase is bad
	roleKPI                // count or ratio whose decrease is bad (a success rate)
	roleLatency
	roleGauge
)

func roleOf(m judge.Metric) role {
	switch {
	case (m.Kind == judge.KindCount || m.Kind == judge.KindRatio) && m.Direction == judge.DirDecrease:
		return roleKPI
	case m.Kind == judge.KindCount || m.Kind == judge.KindRatio:
		return roleErrors
	case m.Kind == judge.KindLatency:
		return roleLatency
	}
	return roleGauge
}

// allowanceLog is the metric's allowance on the log scale of its level
// (log 1.2 for +20 %): instance offsets are drawn on that scale, so that an
// offset of three sds of the difference is exactly the allowance.
func allowanceLog(m judge.Metric, level float64) float64 {
	a := allowanceRel(m, level)
	if m.Direction == judge.DirDecrease && m.EffectSize.Measure != judge.MeasureMeanDiff {
		return -math.Log(1 - a)
	}
	return math.Log(1 + a)
}

// allowanceRel is the metric's allowance as a relative change (0.2 for
// +20 %), the unit of regressions.
func allowanceRel(m judge.Metric, level float64) float64 {
	e := m.EffectSize
	switch e.Measure {
	case judge.MeasureMeanDiff:
		a := e.AllowedIncrease
		if m.Direction == judge.DirDecrease {
			a = e.AllowedDecrease
		}
		return a / math.Max(math.Abs(level), 1e-9)
	case judge.MeasureCLES:
		return 0.1
	}
	if m.Direction == judge.DirDecrease {
		return 1 - e.AllowedDecrease
	}
	return e.AllowedIncrease - 1
}

// sideGen generates one side of one release: one instance with its level
// offsets, or (inst) several instances each with its own.
type sideGen struct {
	rng    *rand.Rand
	noise  Noise
	points int                // per window
	offset map[string]float64 // metric -> level multiplier (one instance)
	inst   []map[string]float64
	// state is each series' last AR(1) value (Noise.Continuous), keyed by
	// metric and instance.
	state map[string]float64
}

// window generates one window starting at t (since the release began),
// with factor[metric] multiplying the metric's bad-direction level. Several
// instances are sent per instance, or pooled (counts summed and series
// averaged point by point, as a query over all pods would) when the noise
// says Pooled.
func (g sideGen) window(p judge.Policy, t time.Duration, factor map[string]float64) judge.Side {
	if len(g.inst) < 2 {
		return g.one(p, t, factor, g.offset, 1, "")
	}
	parts := make([]judge.Side, len(g.inst))
	for i, off := range g.inst {
		parts[i] = g.one(p, t, factor, off, 1/float64(len(g.inst)), fmt.Sprintf("/%d", i))
	}
	if g.noise.Pooled {
		return mergeSides(parts)
	}
	return perInstance(parts)
}

func (g sideGen) one(p judge.Policy, t time.Duration, factor, offset map[string]float64, share float64, inst string) judge.Side {
	s := judge.Side{Series: judge.Samples{}, Counts: map[string]judge.Count{}}
	for _, m := range p.Metrics {
		f := factor[m.Name]
		if f == 0 {
			f = 1
		}
		lvl := offset[m.Name] * f
		eps := g.ar1(m.Name+inst, g.points)
		switch roleOf(m) {
		case roleErrors, roleKPI:
			c := g.counts(m, t, lvl, share, eps)
			if m.Kind == judge.KindCount {
				s.Counts[m.Name] = c
			} else {
				s.Series[m.Name] = ratios(c)
			}
		case roleLatency:
			s.Series[m.Name] = g.latency(t, lvl, eps)
		default:
			s.Series[m.Name] = g.gauge(lvl, eps)
		}
	}
	return s
}

// perInstance sends each metric per instance ("pod-0", "pod-1", ...).
func perInstance(parts []judge.Side) judge.Side {
	out := judge.Side{Instances: map[string]judge.Instances{}}
	for i, part := range parts {
		pod := fmt.Sprintf("pod-%d", i)
		for name, xs := range part.Series {
			in := out.Instances[name]
			if in.Series == nil {
				in.Series = map[string][]float64{}
			}
			in.Series[pod] = xs
			out.Instances[name] = in
		}
		for name, c := range part.Counts {
			in := out.Instances[name]
			if in.Counts == nil {
				in.Counts = map[string]judge.Count{}
			}
			in.Counts[pod] = c
			out.Instances[name] = in
		}
	}
	return out
}

// mergeSides pools instances point by point: counts add up, series
// average.
func mergeSides(parts []judge.Side) judge.Side {
	out := judge.Side{Series: judge.Samples{}, Counts: map[string]judge.Count{}}
	for name := range parts[0].Series {
		avg := make([]float64, len(parts[0].Series[name]))
		for _, part := range parts {
			for i, x := range part.Series[name] {
				avg[i] += x / float64(len(parts))
			}
		}
		out.Series[name] = avg
	}
	for name, c0 := range parts[0].Counts {
		sum := judge.Count{Events: make([]float64, len(c0.Total)), Total: make([]float64, len(c0.Total))}
		for _, part := range parts {
			for i := range sum.Total {
				sum.Events[i] += part.Counts[name].Events[i]
				sum.Total[i] += part.Counts[name].Total[i]
			}
		}
		out.Counts[name] = sum
	}
	return out
}

// ar1 returns n standard-normal AR(1) innovations-scaled points (unit
// marginal variance): a fresh start each window, or (Noise.Continuous) the
// series named key going on from where its last window ended.
func (g sideGen) ar1(key string, n int) []float64 {
	phi := g.noise.Phi
	out := make([]float64, n)
	k := math.Sqrt(1 - phi*phi)
	x := g.rng.NormFloat64()
	if last, ok := g.state[key]; ok {
		x = phi*last + k*x
	}
	for i := range out {
		out[i] = x
		x = phi*x + k*g.rng.NormFloat64()
	}
	if g.noise.Continuous && n > 0 {
		g.state[key] = out[n-1]
	}
	return out
}

func (g sideGen) counts(m judge.Metric, t time.Duration, lvl, share float64, eps []float64) judge.Count {
	n := g.noise
	c := judge.Count{Events: make([]float64, g.points), Total: make([]float64, g.points)}
	for i := range c.Total {
		at := t + time.Duration(i)*n.Step
		lambda := n.RPS * share * n.Step.Seconds() * n.load(at)
		burst := math.Exp(n.Burst*eps[i] - n.Burst*n.Burst/2)
		var rate float64
		if roleOf(m) == roleKPI {
			lambda *= n.KPIRatio
			fail := (1 - n.SuccessRate) * burst
			rate = math.Max(0, math.Min(1, (1-fail)*lvl))
		} else {
			rate = math.Min(1, n.ErrorRate*lvl*burst)
		}
		tot := randx.Poisson(g.rng, lambda)
		c.Total[i] = float64(tot)
		c.Events[i] = float64(randx.Binomial(g.rng, tot, rate))
	}
	return c
}

func ratios(c judge.Count) []float64 {
	out := make([]float64, len(c.Total))
	for i := range out {
		if c.Total[i] == 0 {
			out[i] = math.NaN()
			continue
		}
		out[i] = c.Events[i] / c.Total[i]
	}
	return out
}

func (g sideGen) latency(t time.Duration, lvl float64, eps []float64) []float64 {
	n := g.noise
	out := make([]float64, g.points)
	for i := range out {
		load := n.load(t + time.Duration(i)*n.Step)
		out[i] = n.Latency * lvl * (1 + 0.2*(load-1)) * math.Exp(n.LatencySigma*eps[i])
	}
	return out
}

func (g sideGen) gauge(lvl float64, eps []float64) []float64 {
	n := g.noise
	out := make([]float64, g.points)
	for i := range out {
		out[i] = n.GaugeMean*lvl + n.GaugeSD*eps[i]
	}
	return out
}
