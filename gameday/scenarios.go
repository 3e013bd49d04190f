package gameday

import (
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
)

// Reasons a scenario accepts.
var (
	// Regression: a sustained or pooled regression rolls back.
	Regression = []judge.Reason{judge.ReasonSustainedRegression, judge.ReasonConsecutiveFailures,
		judge.ReasonConsecutiveMarginal, judge.ReasonPooledRegression}
	// Promoted: a healthy canary is promoted once baked (or at the end of
	// its lifetime when its evidence never settled).
	Promoted = []judge.Reason{judge.ReasonBakeComplete, judge.ReasonLifetimeComplete}
)

// The shortest times a policy allows, used where a scenario must let time
// pass against a real server: rollback_timeout, and stale_after with a
// 10 s interval.
const (
	MinRollbackTimeout = 10 * time.Second
	MinInterval        = 10 * time.Second
)

// Scenarios are the game day's scenarios for a base policy (the shipped
// example unless the user gives one) under noise n. Each scenario's policy
// is the base with the tweaks it lists; a scenario the policy cannot run
// (no error metric, no ceiling, no latency metric) carries Skip.
func Scenarios(base judge.Policy, n sim.Noise) ([]Scenario, error) {
	b, err := newBuilder(base, n)
	if err != nil {
		return nil, err
	}
	scs := []Scenario{
		b.healthy(), b.errorsX5(), b.spike(), b.latency(), b.ceiling(),
		b.expandMigration(), b.incompatibleMigration(), b.rollbackCap(), b.freeze(),
		b.rollbackStuck(), b.rollbackFailed(), b.metricsMissing(), b.baselineUnhealthy(),
		b.overrideResolve(), b.stale(),
	}
	for i := range scs {
		scs[i].Expect = headlineOf(scs[i].Steps)
		if scs[i].Policy.Metrics == nil {
			scs[i].Policy = b.base
		}
		if err := scs[i].Policy.Validate(); err != nil && scs[i].Skip == "" {
			return nil, fmt.Errorf("scenario %s: its policy is invalid: %w", scs[i].Name, err)
		}
	}
	return scs, nil
}

// builder holds what the scenarios share.
type builder struct {
	base   judge.Policy
	noise  sim.Noise
	errs   judge.Metric
	lat    judge.Metric
	sims   map[string]sim.Scenario
	noErrs string // why error scenarios skip ("" = they run)
}

func newBuilder(base judge.Policy, n sim.Noise) (*builder, error) {
	// The game day's rollbacks must not be refused because of the rest of
	// the fleet (a staging server has other services): the fleet cap is
	// off for its services. Notify sinks are replaced when a scenario runs.
	base.Guards.RollbackCap.Fleet = 0
	base.Notify = nil
	base.Version = 0
	if err := base.Validate(); err != nil {
		return nil, fmt.Errorf("the game day's base policy is invalid: %w", err)
	}
	b := &builder{base: base, noise: n, sims: map[string]sim.Scenario{}}
	b.errs, b.lat, _ = sim.Roles(base)
	if b.errs.Name == "" {
		b.noErrs = "the policy has no error-like metric (a count or ratio whose increase is bad)"
	}
	for _, s := range sim.Scenarios(base, n) {
		b.sims[s.Name] = s
	}
	if _, ok := b.sims["healthy_offsets"]; !ok {
		return nil, fmt.Errorf("the simulator has no scenario %q", "healthy_offsets")
	}
	return b, nil
}

// gen is a simulator scenario by name: the same windows `canaryjudge
// simulate` measures.
func (b *builder) gen(name string) sim.Scenario { return b.sims[name] }

// errorsX is the error metric times f on the canary from window 1.
func (b *builder) errorsX(f float64) sim.Scenario {
	return sim.Scenario{Name: fmt.Sprintf("errors_x%g", f), Kind: sim.Regression, Noise: b.noise,
		About:  fmt.Sprintf("%s x%g on the canary from the first window", b.errs.Name, f),
		Canary: []sim.Effect{{Metric: b.errs.Name, Factor: f}}}
}

func (b *builder) healthy() Scenario {
	mw := b.base.Windows.MinWindows
	return Scenario{Name: "healthy", About: "a healthy canary is promoted once baked, not before",
		Fault: "none: canary and baseline differ only by noise and instance offsets",
		Steps: []Step{NewRelease{Gen: b.gen("healthy_offsets")},
			Windows{Expect: Expect{Action: judge.ActionPromote, Reasons: Promoted, State: judge.StatePromoted,
				From: mw, By: b.base.Windows.Lifetime()}, Head: true}},
		Notes: Notes{Info: 1}}
}

func (b *builder) errorsX5() Scenario {
	sc := Scenario{Name: "errors_x5", About: "a canary with five times the errors rolls back within 2 windows",
		Fault: "error rate x5", Skip: b.noErrs, Notes: Notes{Info: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5)}, Windows{Expect: rollbackBy(2), Head: true}}
	}
	return sc
}

func (b *builder) spike() Scenario {
	sc := Scenario{Name: "spike", About: "one bad window is noise: no rollback, then promote",
		Fault: "error rate x5 in window 2 only", Skip: b.noErrs, Notes: Notes{Info: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{NewRelease{Gen: b.gen("spike")},
			Windows{Expect: Expect{Action: judge.ActionWait, Reasons: []judge.Reason{judge.ReasonFailingWindow, judge.ReasonMarginal},
				State: judge.StateBaking, From: 2, By: 2}},
			Windows{Expect: Expect{Action: judge.ActionPromote, Reasons: Promoted, State: judge.StatePromoted, By: b.base.Windows.Lifetime()}, Head: true}}
	}
	return sc
}

func (b *builder) latency() Scenario {
	sc := Scenario{Name: "latency_regression", About: "a p99 latency regression rolls back",
		Fault: "latency x(allowance + 3 offset sd) on the canary", Notes: Notes{Info: 1}}
	g, ok := b.sims["latency_regression"]
	if !ok || b.lat.Name == "" {
		sc.Skip = "the policy has no latency metric (kind latency)"
		return sc
	}
	sc.Fault = g.About
	sc.Steps = []Step{NewRelease{Gen: g}, Windows{Expect: rollbackBy(max(g.Within, b.base.Windows.ConsecutiveFailures)), Head: true}}
	return sc
}

func (b *builder) ceiling() Scenario {
	sc := Scenario{Name: "ceiling_breach", About: "a canary past its critical ceiling rolls back in one window",
		Fault: "error rate at twice its ceiling", Skip: b.noErrs, Notes: Notes{Info: 1}}
	if sc.Skip == "" && b.errs.Ceiling == nil {
		sc.Skip = "the error metric " + b.errs.Name + " has no ceiling"
	}
	if sc.Skip != "" {
		return sc
	}
	g := b.errorsX(2 * *b.errs.Ceiling / b.noise.ErrorRate)
	g.About = fmt.Sprintf("%s at twice its ceiling (%g) on the canary", b.errs.Name, *b.errs.Ceiling)
	sc.Fault = g.About
	sc.Steps = []Step{NewRelease{Gen: g}, Windows{Expect: Expect{Action: judge.ActionRollback,
		Reasons: []judge.Reason{judge.ReasonCriticalCeiling}, State: judge.StateRollingBack, By: 1}, Head: true}}
	return sc
}

// rollbackBy is an automatic rollback for a regression by window w.
func rollbackBy(w int) Expect {
	return Expect{Action: judge.ActionRollback, Reasons: Regression, State: judge.StateRollingBack, By: w}
}

// headlineOf is the expectation of the step marked as the headline.
func headlineOf(steps []Step) Expect {
	for _, s := range steps {
		if !s.headline() {
			continue
		}
		switch s := s.(type) {
		case Windows:
			return s.Expect
		case Event:
			return s.Expect
		case Override:
			return s.Expect
		case Elapse:
			return s.Expect
		}
	}
	return Expect{}
}
