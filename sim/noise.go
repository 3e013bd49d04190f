// Package sim generates realistic canary releases and runs them through
// the real decision engine: `canaryjudge simulate` (how a user calibrates a
// policy, and how we prove a change to the judge) and the game day reuse
// it. Everything is seeded: the same flags give the same table.
package sim

import (
	"math"
	"time"
)

// Noise is what real canary data looks like. Every field is a flag of
// `canaryjudge simulate`; the defaults are a busy checkout service sampled
// every 5 s (60 points in a 5-minute window, 12 in a 1-minute one).
type Noise struct {
	// Points per side per window; 0 means the window's length over Step
	// (at least 12).
	Points int
	Step   time.Duration // time between points
	// Phi is the AR(1) coefficient of the noise inside a window: each point
	// follows the one before it.
	Phi float64
	// Offset is the sd of each side's persistent level offset (canary and
	// baseline run on different instances), as a fraction of each metric's
	// allowance divided by sqrt(2): 1/3 puts the difference of the two
	// offsets at a third of the allowance. 0 turns offsets off.
	Offset float64
	// RPS is requests per second per side; error and KPI counts scale with it.
	RPS float64
	// ErrorRate is the baseline's share of failed requests (error-like
	// count or ratio metrics).
	ErrorRate float64
	// Burst is the log-sd of the per-point error-rate multiplier: errors
	// come in bursts, so counts are overdispersed.
	Burst float64
	// SuccessRate is the baseline's success share (KPI-like metrics, whose
	// decrease is bad); KPIRatio is KPI attempts per request.
	SuccessRate, KPIRatio float64
	// Latency is the median of latency metrics (seconds) and LatencySigma
	// the log-sd of each point.
	Latency, LatencySigma float64
	// GaugeMean and GaugeSD shape other metrics (e.g. CPU %).
	GaugeMean, GaugeSD float64
	// Diurnal is the amplitude of load over DiurnalPeriod: traffic, and a
	// little latency, rise and fall on both sides together.
	Diurnal       float64
	DiurnalPeriod time.Duration
	// Instances per side (1: a side is one series). With 2 or more, each
	// instance has its own level offset, of sd InstanceOffset in the same
	// unit as Offset, and the side's traffic is shared between them; the
	// data is sent per instance, or pooled point by point when Pooled.
	Instances      int
	InstanceOffset float64
	Pooled         bool
	// MinPoints is the fewest points a window gets when Points is 0 (the
	// standard family keeps at least 12 so that short test windows judge;
	// the ratio family cuts its 10 s stream exactly).
	MinPoints int
	// Levels, when set, are each side's level offsets as absolute log-sds
	// per role (a lognormal multiplier per side of each release), instead
	// of Offset's fraction of the allowance.
	Levels Levels
	// Continuous carries each series' AR(1) state from one window to the
	// next: one stream cut into windows, as a source scrapes it.
	Continuous bool
}

// Levels are per-role log-sds of each side's level offset.
type Levels struct {
	Errors, Latency, Gauge, KPI float64
}

func (l Levels) set() bool { return l != Levels{} }

// DefaultNoise is the simulator's default noise.
func DefaultNoise() Noise {
	return Noise{
		Points: 0, Step: 5 * time.Second, Phi: 0.5, Offset: 1.0 / 3,
		RPS: 1000, ErrorRate: 0.005, Burst: 0.2, SuccessRate: 0.95, KPIRatio: 0.1,
		Latency: 0.25, LatencySigma: 0.08, GaugeMean: 40, GaugeSD: 4,
		Diurnal: 0, DiurnalPeriod: 4 * time.Hour,
		Instances: 1, InstanceOffset: 1.0 / 3, MinPoints: 12,
	}
}

// load is the traffic multiplier at t since the release started.
func (n Noise) load(t time.Duration) float64 {
	if n.Diurnal == 0 || n.DiurnalPeriod <= 0 {
		return 1
	}
	return 1 + n.Diurnal*math.Sin(2*math.Pi*float64(t)/float64(n.DiurnalPeriod))
}
