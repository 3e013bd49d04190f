package sim

import (
	"fmt"
	"math"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Families of scenarios: `canaryjudge simulate --family NAME`.
const (
	// FamilyStandard is Scenarios: counts at a busy service, 5 s points,
	// offsets as fractions of each allowance.
	FamilyStandard = "standard"
	// FamilyRatio is RatioScenarios: the data most Prometheus users send.
	FamilyRatio = "ratio"
)

// Families lists the family names.
var Families = []string{FamilyStandard, FamilyRatio}

// RatioNoise is the ratio family's data (issue 19), as production makes
// it: one instance per side, a point every 10 s (60 points in a 10-minute
// window, 6 in a 1-minute one, cut from one continuous stream), about 500
// requests a point, a baseline error rate of 0.5 % whose log follows AR(1)
// with phi 0.7 and sd 0.3 (bursts), and each side of each release with its
// own level offset: lognormal sigma 0.10 on errors, 0.06 on latency, 0.08 on
// CPU (the issue's), 0.0025 on the checkout success share (ours: whether a
// checkout succeeds hardly depends on the machine that served it).
func RatioNoise() Noise {
	n := DefaultNoise()
	n.Step, n.MinPoints, n.Continuous = 10*time.Second, 1, true
	n.Phi, n.Burst, n.RPS, n.ErrorRate = 0.7, 0.3, 50, 0.005
	n.Offset = 0
	n.Levels = Levels{Errors: 0.10, Latency: 0.06, Gauge: 0.08, KPI: 0.0025}
	return n
}

// LowRPS is the ratio family's low traffic: 0.5 requests a second, about 5
// a point, so that one error makes a point's ratio 0.2.
const LowRPS = 0.5

// RatioScenarios is the ratio family for policy p under noise n: healthy
// releases (at normal and low traffic, with a one-window error or latency
// spike), regressions (errors x1.5, x2, x5 at low traffic, latency +60 %,
// the KPI -5 %), an unhealthy baseline, and data the judge cannot judge (a
// critical metric all null, +Inf or 1e308 latency points). Scenarios that
// need a metric the policy lacks are left out.
func RatioScenarios(p judge.Policy, n Noise) []Scenario {
	errs, lat, kpi := roles(p)
	low := n
	low.RPS = LowRPS
	healthy := Target{MaxRollback: At(0.005), MaxEscalate: At(0.005), MaxUndecided: At(0)}
	never := Target{MaxPromote: At(0)}
	out := []Scenario{
		{Name: "healthy", Kind: Healthy, Noise: n, Target: healthy, About: fmt.Sprintf("AR(1) phi %g bursts and level offsets, %g requests/s", n.Phi, n.RPS)},
		{Name: "healthy_low_traffic", Kind: Healthy, Noise: low, Target: healthy, About: fmt.Sprintf("%g requests/s (about %g a point)", low.RPS, low.RPS*n.Step.Seconds())},
	}
	if errs.Name != "" {
		out = append(out,
			Scenario{Name: "spike", Kind: Healthy, Noise: n, Target: healthy, About: errs.Name + " x5 in window 2 only",
				Canary: []Effect{{Metric: errs.Name, Factor: 5, From: 2, To: 2}}},
			Scenario{Name: "errors_x1.5", Kind: Regression, Noise: n, About: errs.Name + " x1.5 (the allowance exactly: no target)",
				Canary: []Effect{{Metric: errs.Name, Factor: 1.5}}},
			Scenario{Name: "errors_x2", Kind: Regression, Noise: n, About: errs.Name + " x2", Target: Target{MinDetect: At(0.99), MaxPromote: At(0), Truth: true},
				Canary: []Effect{{Metric: errs.Name, Factor: 2}}},
			Scenario{Name: "errors_x5_low_traffic", Kind: Regression, Noise: low, About: fmt.Sprintf("%s x5 at %g requests/s", errs.Name, low.RPS),
				Target: Target{MinDetect: At(0.98)}, Canary: []Effect{{Metric: errs.Name, Factor: 5}}},
			Scenario{Name: "critical_all_null", Kind: Unjudgeable, Noise: n, Target: never, About: "every canary point of " + errs.Name + " is null",
				Null: []string{errs.Name}})
		if errs.Ceiling != nil {
			f := math.Round(1.2 * *errs.Ceiling / n.ErrorRate) // 12x: 6 % against a 5 % ceiling
			out = append(out, Scenario{Name: "unhealthy_baseline", Kind: Unhealthy, Noise: n, Target: Target{MinDetect: At(0.995)},
				About:  fmt.Sprintf("%s x%g on both sides (%.3g, above the ceiling %g)", errs.Name, f, f*n.ErrorRate, *errs.Ceiling),
				Canary: []Effect{{Metric: errs.Name, Factor: f}}, Baseline: []Effect{{Metric: errs.Name, Factor: f}}})
		}
	}
	if lat.Name != "" {
		out = append(out,
			Scenario{Name: "latency_spike", Kind: Healthy, Noise: n, Target: healthy, About: lat.Name + " x2 in window 2 only",
				Canary: []Effect{{Metric: lat.Name, Factor: 2, From: 2, To: 2}}},
			Scenario{Name: "latency_up_60", Kind: Regression, Noise: n, Target: Target{MinDetect: At(0.97)}, About: lat.Name + " +60 %",
				Canary: []Effect{{Metric: lat.Name, Factor: 1.6}}},
			Scenario{Name: "latency_inf", Kind: Unjudgeable, Noise: n, Target: never, About: "every 45th canary " + lat.Name + " point (one in 7.5 minutes) is +Inf (above the top histogram bucket)",
				Inject: []Inject{{Metric: lat.Name, Value: math.Inf(1), Every: 45}}},
			Scenario{Name: "latency_1e308", Kind: Unjudgeable, Noise: n, Target: never, About: "every 6th canary " + lat.Name + " point is 1e308",
				Inject: []Inject{{Metric: lat.Name, Value: 1e308, Every: 6}}})
	}
	if kpi.Name != "" {
		out = append(out, Scenario{Name: "kpi_down_5", Kind: Regression, Noise: n, Target: Target{MinDetect: At(0.97)}, About: kpi.Name + " -5 %",
			Canary: []Effect{{Metric: kpi.Name, Factor: 0.95}}})
	}
	return out
}

// FamilyNoise is the named family's default noise.
func FamilyNoise(family string) (Noise, error) {
	switch family {
	case FamilyStandard, "":
		return DefaultNoise(), nil
	case FamilyRatio:
		return RatioNoise(), nil
	}
	return Noise{}, fmt.Errorf("no scenario family %q (have %v)", family, Families)
}

// FamilyScenarios is the named family's scenarios for p under noise n.
func FamilyScenarios(family string, p judge.Policy, n Noise) ([]Scenario, error) {
	switch family {
	case FamilyStandard, "":
		return Scenarios(p, n), nil
	case FamilyRatio:
		return RatioScenarios(p, n), nil
	}
	return nil, fmt.Errorf("no scenario family %q (have %v)", family, Families)
}
