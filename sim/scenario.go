package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Kind says what a scenario should end in.
type Kind string

const (
	Healthy    Kind = "healthy"    // should promote; a rollback is a false rollback
	Regression Kind = "regression" // should roll back
	Unhealthy  Kind = "unhealthy"  // the baseline is broken: should escalate
	// Unjudgeable data (a critical metric without canary data, values the
	// judge cannot represent) must never be promoted: a rollback or an
	// escalation are both right.
	Unjudgeable Kind = "unjudgeable"
)

// Scenario is a family of releases.
type Scenario struct {
	Name  string `json:"name"`
	Kind  Kind   `json:"kind"`
	About string `json:"about"`
	Noise Noise  `json:"-"`
	// Canary and Baseline multiply a metric's bad-direction level (error
	// rate, latency, gauge; a KPI's success rate) from window From on
	// (1-based) to To (0 = to the end).
	Canary   []Effect `json:"canary,omitempty"`
	Baseline []Effect `json:"baseline,omitempty"`
	// Within is how many 5-minute windows a regression may take (0 = the
	// lifetime): a deadline in time, WithinTime, so that a policy with
	// shorter windows gets the same time, not the same count.
	Within int `json:"within,omitempty"`
	// Null names canary metrics sent with every point null; Inject puts
	// values the judge cannot represent into canary series.
	Null   []string `json:"null,omitempty"`
	Inject []Inject `json:"inject,omitempty"`
	// Target is the rate the issue demands: the most false rollbacks (or
	// undecided) for healthy scenarios, the least detection otherwise.
	Target Target `json:"target"`
}

// Inject replaces canary points of Metric by Value: every Every-th point
// (counting across windows), or each point with probability Prob.
type Inject struct {
	Metric string  `json:"metric"`
	Value  float64 `json:"-"`
	Every  int     `json:"every,omitempty"`
	Prob   float64 `json:"prob,omitempty"`
}

// Effect scales one metric on one side.
type Effect struct {
	Metric string  `json:"metric"`
	Factor float64 `json:"factor"`
	From   int     `json:"from,omitempty"`
	To     int     `json:"to,omitempty"`
}

// Target bounds a scenario's outcome; a nil bound is not checked.
type Target struct {
	MaxRollback  *float64 `json:"max_rollback,omitempty"`  // share rolled back
	MaxEscalate  *float64 `json:"max_escalate,omitempty"`  // share escalated
	MaxUndecided *float64 `json:"max_undecided,omitempty"` // share neither promoted, rolled back nor escalated
	MaxPromote   *float64 `json:"max_promote,omitempty"`   // share promoted
	MinDetect    *float64 `json:"min_detect,omitempty"`    // regression: share rolled back within Within windows; unhealthy: escalated
	// Truth measures a regression by each release's own effect: with one
	// instance per side, a side's level offset is part of what the canary
	// shows, and a "x2" release whose offsets put it within the allowance
	// is right to be promoted. MinDetect then counts among the releases
	// whose own effect lies beyond the allowance, MaxPromote the promotes
	// of those.
	Truth bool `json:"truth,omitempty"`
}

// At is a target bound.
func At(x float64) *float64 { return &x }

func (s Scenario) factors(side []Effect, window int) map[string]float64 {
	out := map[string]float64{}
	for _, e := range side {
		if window >= max(e.From, 1) && (e.To == 0 || window <= e.To) {
			out[e.Metric] = e.Factor
		}
	}
	return out
}

// roles finds the metrics scenarios act on: the error metric (critical
// first), the latency metric and the KPI. Empty when the policy has none.
func roles(p judge.Policy) (errs, lat, kpi judge.Metric) {
	for _, m := range p.Metrics {
		switch roleOf(m) {
		case roleErrors:
			if errs.Name == "" || (m.Critical && !errs.Critical) {
				errs = m
			}
		case roleLatency:
			if lat.Name == "" {
				lat = m
			}
		case roleKPI:
			if kpi.Name == "" {
				kpi = m
			}
		}
	}
	return errs, lat, kpi
}

// Scenarios is the standard set for a policy under noise n: the healthy
// families (iid, AR(1) at 0.8 with offsets, offsets, low traffic, diurnal
// load, a one-window error spike), the regressions the issue names and an
// unhealthy baseline. Scenarios that need a metric the policy lacks are
// left out.
func Scenarios(p judge.Policy, n Noise) []Scenario {
	errs, lat, kpi := roles(p)
	iid := n
	iid.Phi, iid.Offset = 0, 0
	ar := n
	ar.Phi = 0.8
	low := n
	low.RPS = 1
	diurnal := n
	diurnal.Diurnal = 0.5
	healthy := Target{MaxRollback: At(0.005), MaxUndecided: At(0.01)}
	inst := n
	inst.Instances, inst.InstanceOffset = 3, 1
	pooled := inst
	pooled.Pooled = true
	// This family sizes each side's level offset from the metric's
	// allowance (the difference's sd a third of it), so a few healthy
	// releases end their lifetime with an effect near the allowance; since
	// issue 19 an unsettled estimate beyond it fails (absence of evidence
	// is not evidence of absence), and the noisiest rows pay for that.
	near := func(max float64) Target { return Target{MaxRollback: At(max), MaxUndecided: At(0.01)} }
	out := []Scenario{
		{Name: "healthy_iid", Kind: Healthy, About: "independent points, no instance offsets", Noise: iid, Target: healthy},
		{Name: "healthy_ar08", Kind: Healthy, About: "AR(1) phi 0.8 and instance offsets", Noise: ar, Target: near(0.03)},
		{Name: "healthy_offsets", Kind: Healthy, About: fmt.Sprintf("AR(1) phi %g and instance offsets", n.Phi), Noise: n, Target: near(0.01)},
		{Name: "healthy_low_traffic", Kind: Healthy, About: fmt.Sprintf("%g requests per second per side", low.RPS), Noise: low, Target: near(0.05)},
		{Name: "healthy_diurnal", Kind: Healthy, About: "load +/-50 % over 4 h on both sides", Noise: diurnal, Target: healthy},
		{Name: "instances_judged_per_instance", Kind: Healthy, Noise: inst, Target: healthy,
			About: "3 instances per side, each offset with sd allowance/sqrt 2 (3x what one pair tolerates), sent per instance"},
		{Name: "instances_pooled", Kind: Healthy, Noise: pooled, Target: Target{},
			About: "the same instances pooled into one series per side (no target: shown for comparison)"},
	}
	if errs.Name != "" {
		out = append(out,
			Scenario{Name: "spike", Kind: Healthy, About: "one window with 5x errors, then healthy", Noise: n,
				Canary: []Effect{{Metric: errs.Name, Factor: 5, From: 2, To: 2}}, Target: Target{MaxRollback: At(0.005)}},
			Scenario{Name: "errors_x2", Kind: Regression, About: "error rate x2", Noise: n, Within: 2,
				Canary: []Effect{{Metric: errs.Name, Factor: 2}}, Target: Target{MinDetect: At(0.99)}},
			Scenario{Name: "errors_x5_low_traffic", Kind: Regression, About: fmt.Sprintf("error rate x5 at %g requests per second", low.RPS), Noise: low,
				Canary: []Effect{{Metric: errs.Name, Factor: 5}}, Target: Target{MinDetect: At(0.95)}})
	}
	if lat.Name != "" {
		f := 1 + regressionSize(lat, n)
		out = append(out, Scenario{Name: "latency_regression", Kind: Regression, Within: 3,
			About: fmt.Sprintf("%s x%.3g (allowance + 3 offset sd * sqrt 2)", lat.Name, f), Noise: n,
			Canary: []Effect{{Metric: lat.Name, Factor: f}}, Target: Target{MinDetect: At(0.95)}})
	}
	if kpi.Name != "" {
		f := 1 - regressionSize(kpi, n)
		out = append(out, Scenario{Name: "kpi_regression", Kind: Regression, Within: 3,
			About: fmt.Sprintf("%s x%.4g (allowance + 3 offset sd * sqrt 2)", kpi.Name, f), Noise: n,
			Canary: []Effect{{Metric: kpi.Name, Factor: f}}, Target: Target{MinDetect: At(0.95)}})
	}
	if errs.Name != "" && errs.Ceiling != nil {
		f := 2 * *errs.Ceiling / n.ErrorRate
		out = append(out, Scenario{Name: "unhealthy_baseline", Kind: Unhealthy, About: fmt.Sprintf("baseline %s at twice its ceiling", errs.Name), Noise: n,
			Canary: []Effect{{Metric: errs.Name, Factor: f}}, Baseline: []Effect{{Metric: errs.Name, Factor: f}}, Target: Target{MinDetect: At(0.99)}})
	}
	return out
}

// regressionSize is the regression: the allowance plus three
// offset sds times sqrt 2 (with the default offset of a third of the
// allowance over sqrt 2, twice the allowance), as a relative change of the
// level in the bad direction (on the log scale offsets live on).
func regressionSize(m judge.Metric, n Noise) float64 {
	a := allowanceLog(m, levelOf(m, n))
	off := n.Offset
	if off == 0 {
		off = 1.0 / 3
	}
	l := a + 3*off*a
	if m.Direction == judge.DirDecrease {
		return 1 - math.Exp(-l)
	}
	return math.Exp(l) - 1
}

// levelOf is a metric's typical level under n (for mean_diff allowances).
func levelOf(m judge.Metric, n Noise) float64 {
	switch roleOf(m) {
	case roleErrors:
		return n.ErrorRate
	case roleKPI:
		return n.SuccessRate
	case roleLatency:
		return n.Latency
	}
	return n.GaugeMean
}

// offsetSD is the sd of one side's log level offset for m.
func offsetSD(m judge.Metric, n Noise) float64 {
	if n.Levels.set() {
		return map[role]float64{roleErrors: n.Levels.Errors, roleLatency: n.Levels.Latency, roleGauge: n.Levels.Gauge, roleKPI: n.Levels.KPI}[roleOf(m)]
	}
	return n.Offset * allowanceLog(m, levelOf(m, n)) / math.Sqrt2
}

// WindowUnit is the window length Within is counted in.
const WindowUnit = 5 * time.Minute

// WithinTime is the scenario's deadline (0 = none).
func (s Scenario) WithinTime() time.Duration { return time.Duration(s.Within) * WindowUnit }

// inTime reports whether a release decided within the scenario's deadline.
func (s Scenario) inTime(windows int, interval time.Duration) bool {
	return s.Within == 0 || time.Duration(windows)*interval <= s.WithinTime()
}
