package sim

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
)

// Driver is the decision engine a simulation talks to: in process
// (NewLocal) or a running server (NewHTTP).
type Driver interface {
	PutPolicy(ctx context.Context, service string, p judge.Policy) error
	CreateRelease(ctx context.Context, service, target string) (string, error)
	Analyze(ctx context.Context, releaseID string, req engine.AnalysisRequest) (judge.Decision, error)
}

// Outcome is how one release ended.
type Outcome struct {
	Action  judge.Action `json:"action"` // wait when undecided
	Reason  judge.Reason `json:"reason"`
	Windows int          `json:"windows"` // windows judged until the decision
	Message string       `json:"message"`
	Release int          `json:"release"` // index within the scenario (its seed)
	// Beyond: the regression's metric, for this release (its sides' level
	// offsets included: one instance per side cannot tell an instance from
	// a version), lies clearly beyond its allowance (ClearlyBeyond). A
	// promote of a release whose own effect is within it, or at it, is
	// right.
	Beyond bool `json:"beyond"`
	// Truth is that effect on the measure's scale (a difference or a
	// ratio), 0 when the scenario has no sustained canary effect.
	Truth float64 `json:"truth,omitempty"`
}

// Options configure a run.
type Options struct {
	Seed        uint64
	Healthy     int // releases per healthy scenario
	Regressions int // releases per regression or unhealthy scenario
	Workers     int
	// Progress, when set, is called after each release (done, total).
	Progress func(scenario string, done, total int)
}

// T0 is the synthetic time of the first window: windows are stamped, so a
// simulation never waits for real time.
var T0 = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

// Simulate runs every scenario's releases through d and tabulates them.
// The policy is used as given, except that the rollback cap and notify
// sinks are turned off (the simulation measures decisions, not guards that
// count across releases).
func Simulate(ctx context.Context, d Driver, p judge.Policy, scs []Scenario, o Options) ([]Row, error) {
	p.Guards.RollbackCap.PerService, p.Guards.RollbackCap.Fleet = 0, 0
	p.Notify = nil
	if err := p.Validate(); err != nil {
		return nil, err
	}
	rows := make([]Row, 0, len(scs))
	for i, sc := range scs {
		service := fmt.Sprintf("sim%d-%d-%s", runs.Add(1), i, strings.ReplaceAll(sc.Name, "_", "-"))
		if err := d.PutPolicy(ctx, service, p); err != nil {
			return nil, fmt.Errorf("%s: put policy: %w", sc.Name, err)
		}
		n := o.Healthy
		if sc.Kind != Healthy {
			n = o.Regressions
		}
		outs, err := runScenario(ctx, d, p, service, sc, n, StreamOf(sc.Name), o)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
		rows = append(rows, tabulate(sc, outs, p.Windows.Interval.Duration))
	}
	return rows, nil
}

// runs numbers simulations so that several on one driver never share a
// service (and its one active release per target).
var runs atomic.Int64

// StreamOf derives a scenario's random stream from its name, so a
// scenario's releases do not depend on which other scenarios run.
func StreamOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// ReleaseRNG is the generator of release i of a scenario's stream.
func ReleaseRNG(seed, stream uint64, i int) *rand.Rand {
	return rand.New(rand.NewPCG(seed^stream, uint64(i)))
}

func runScenario(ctx context.Context, d Driver, p judge.Policy, service string, sc Scenario, n int, idx uint64, o Options) ([]Outcome, error) {
	outs := make([]Outcome, n)
	var (
		next, done atomic.Int64
		wg         sync.WaitGroup
		errOnce    sync.Once
		firstErr   error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range max(o.Workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n || ctx.Err() != nil {
					return
				}
				rng := ReleaseRNG(o.Seed, idx, i)
				out, err := runRelease(ctx, d, p, service, fmt.Sprintf("r%d", i), sc, rng)
				if err != nil {
					errOnce.Do(func() { firstErr = err; cancel() })
					return
				}
				out.Release = i
				outs[i] = out
				if o.Progress != nil {
					o.Progress(sc.Name, int(done.Add(1)), n)
				}
			}
		}()
	}
	wg.Wait()
	return outs, firstErr
}

// runRelease feeds one release window by window until a decision other
// than wait, or the policy's lifetime (plus one window) runs out.
func runRelease(ctx context.Context, d Driver, p judge.Policy, service, target string, sc Scenario, rng *rand.Rand) (Outcome, error) {
	id, err := d.CreateRelease(ctx, service, target)
	if err != nil {
		return Outcome{}, err
	}
	gen := NewRelease(p, sc, rng)
	truth, beyond := gen.truth()
	limit := p.Windows.Lifetime() + 1
	for w := 1; w <= limit; w++ {
		dec, err := d.Analyze(ctx, id, gen.Window(w))
		if err != nil {
			return Outcome{}, fmt.Errorf("release %s window %d: %w", id, w, err)
		}
		if dec.Action != judge.ActionWait {
			return Outcome{Action: dec.Action, Reason: dec.Reason, Windows: w, Message: dec.Message, Beyond: beyond, Truth: truth}, nil
		}
	}
	return Outcome{Action: judge.ActionWait, Reason: "undecided", Windows: limit, Beyond: beyond, Truth: truth}, nil
}

// truth is the release's sustained canary effect (its first Effect over
// the whole release), with both sides' level offsets, on the measure's
// scale, and whether it lies beyond the metric's allowance: the truth a
// judge can at best recover with one instance per side.
func (r *Release) truth() (float64, bool) {
	if len(r.sc.Canary) == 0 || r.sc.Canary[0].From > 1 || r.sc.Canary[0].To != 0 {
		return 0, false
	}
	e := r.sc.Canary[0]
	var m judge.Metric
	for _, x := range r.p.Metrics {
		if x.Name == e.Metric {
			m = x
		}
	}
	if m.Name == "" {
		return 0, false
	}
	c, b := r.canary.offset[m.Name]*e.Factor, r.baseline.offset[m.Name]
	level := levelOf(m, r.sc.Noise)
	eff := m.EffectSize
	const k = ClearlyBeyond
	switch {
	case eff.Measure == judge.MeasureMeanDiff && m.Direction != judge.DirDecrease:
		return level * (c - b), level*(c-b) > k*eff.AllowedIncrease
	case eff.Measure == judge.MeasureMeanDiff:
		return level * (c - b), level*(b-c) > k*eff.AllowedDecrease
	case m.Direction == judge.DirDecrease:
		return c / b, c/b < 1-k*(1-eff.AllowedDecrease)
	}
	return c / b, c/b > 1+k*(eff.AllowedIncrease-1)
}

// ClearlyBeyond is how far past the allowance (as a multiple of it) a
// release's own effect must lie to count as a regression no judge should
// promote: between the allowance and this, an effect is too close to the
// line for a release's data to place it (an indifference zone, as in
// equivalence testing), and either decision is right.
const ClearlyBeyond = 1.25

// Release generates the windows of one release of a scenario: each side
// keeps its instance offsets for the whole release, and windows are
// stamped from T0 at the policy's interval.
type Release struct {
	p                judge.Policy
	sc               Scenario
	canary, baseline sideGen
}

// NewRelease draws a release's offsets from rng.
func NewRelease(p judge.Policy, sc Scenario, rng *rand.Rand) *Release {
	points := sc.Noise.Points
	if points <= 0 { // the window's length over the step, at least 12 (short test windows still judge)
		points = max(sc.Noise.MinPoints, 1, int(p.Windows.Interval.Duration/sc.Noise.Step))
	}
	side := func() sideGen {
		g := sideGen{rng: rng, noise: sc.Noise, points: points, offset: offsets(p, sc.Noise, rng), state: map[string]float64{}}
		if k := sc.Noise.Instances; k >= 2 {
			n := sc.Noise
			n.Offset = n.InstanceOffset
			for range k {
				g.inst = append(g.inst, offsets(p, n, rng))
			}
		}
		return g
	}
	return &Release{p: p, sc: sc, canary: side(), baseline: side()}
}

// Window is the analysis request of window w (1-based).
func (r *Release) Window(w int) engine.AnalysisRequest {
	interval := r.p.Windows.Interval.Duration
	start := time.Duration(w-1) * interval
	return engine.AnalysisRequest{
		Canary:   r.breakCanary(r.canary.window(r.p, start, r.sc.factors(r.sc.Canary, w)), w),
		Baseline: r.baseline.window(r.p, start, r.sc.factors(r.sc.Baseline, w)),
		Window:   &engine.WindowTimes{Start: T0.Add(start), End: T0.Add(start + interval)},
	}
}

// offsets draws one side's persistent level multipliers.
func offsets(p judge.Policy, n Noise, rng *rand.Rand) map[string]float64 {
	out := make(map[string]float64, len(p.Metrics))
	for _, m := range p.Metrics {
		out[m.Name] = math.Exp(offsetSD(m, n) * rng.NormFloat64())
	}
	return out
}

// breakCanary applies the scenario's Null and Inject to window w's canary
// side: a metric whose every point is null, or points replaced by values
// the judge cannot represent.
func (r *Release) breakCanary(s judge.Side, w int) judge.Side {
	for _, name := range r.sc.Null {
		if xs, ok := s.Series[name]; ok {
			s.Series[name] = nans(len(xs))
		}
		if c, ok := s.Counts[name]; ok {
			s.Counts[name] = judge.Count{Events: nans(len(c.Events)), Total: nans(len(c.Total))}
		}
	}
	for _, in := range r.sc.Inject {
		xs := s.Series[in.Metric]
		for i := range xs {
			at := (w-1)*len(xs) + i + 1
			if (in.Every > 0 && at%in.Every == 0) || (in.Prob > 0 && r.canary.rng.Float64() < in.Prob) {
				xs[i] = in.Value
			}
		}
	}
	return s
}

func nans(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}
