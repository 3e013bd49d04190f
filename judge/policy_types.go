package judge

import (
	"encoding/json"
	"fmt"
	"time"
)

// Mode selects the classifier and scorer.
type Mode string

const (
	// ModeDefault is canaryjudge's own classifier: minimum sample sizes,
	// exact p-values, significance AND effect size, zero-safe effects and
	// absolute ceilings.
	ModeDefault Mode = "default"
	// ModeKayenta reproduces Netflix's NetflixACAJudge-v1.0.
	ModeKayenta Mode = "kayenta"
	// ModeSequential judges windows as the default mode does, but decides
	// on anytime-valid confidence sequences over all windows of a release:
	// check as often as you like, roll back in minutes, promote early.
	ModeSequential Mode = "sequential"
)

// SequentialOptions tune the sequential mode.
type SequentialOptions struct {
	// NoEarlyPromote keeps a release baking until its lifetime ends even
	// when every sequence lies within its allowance.
	NoEarlyPromote bool `json:"no_early_promote,omitempty"`
}

// Direction says which change of a metric is bad.
type Direction string

const (
	DirIncrease Direction = "increase"
	DirDecrease Direction = "decrease"
	DirEither   Direction = "either"
)

// Preprocessing and effect-size vocabulary.
const (
	NaNRemove  = "remove"  // drop NaN points
	NaNReplace = "replace" // NaN becomes 0 (counts: no data means no events)

	OutliersNone   = "none"
	OutliersIQR    = "iqr"    // outside the wider of the IQR fence and the 1st/99th percentiles
	OutliersKSigma = "ksigma" // more than factor population standard deviations from the mean

	MeasureMeanRatio = "mean_ratio" // mean(canary)/mean(baseline)
	MeasureCLES      = "cles"       // P(canary > baseline), ties count half
	MeasureMeanDiff  = "mean_diff"  // mean(canary) - mean(baseline), metric units (default mode)
	MeasureRateRatio = "rate_ratio" // rate(canary)/rate(baseline) of a count metric (default mode)

	CeilingMean   = "mean"
	CeilingMedian = "median"
	CeilingMax    = "max"

	MigrationsExpandOnly = "expand_only"
)

// Policy is the per-service trigger and signal table: what to measure, how to
// judge it, and the guards applied to the resulting decisions. Zero values of
// metric-level options mean "the default for this mode" (see withDefaults).
type Policy struct {
	// Version is assigned by the store when a policy is saved; 0 = unsaved.
	Version    int                `json:"version,omitempty"`
	Mode       Mode               `json:"mode"`
	Thresholds Thresholds         `json:"thresholds"`
	Groups     map[string]float64 `json:"groups,omitempty"`
	Metrics    []Metric           `json:"metrics"`
	// Alpha is the error rate of each bound of the default mode's effect
	// intervals: a window's intervals are two-sided at 1-2*alpha (90 % at
	// the default 0.05), and the pooled ones over a release's windows use
	// alpha/max_windows, so that looking at every window does not inflate
	// it. (Kayenta mode uses kayenta.conf_level instead.)
	Alpha float64 `json:"alpha"`
	// Kayenta holds the NetflixACAJudge classifier constants (kayenta mode).
	Kayenta KayentaOptions `json:"kayenta"`
	Windows Windows        `json:"windows"`
	// Sequential tunes mode sequential.
	Sequential SequentialOptions `json:"sequential,omitzero"`
	Guards     GuardPolicy       `json:"guards"`
	Notify     []Sink            `json:"notify,omitempty"`
	// defaults is what withDefaults last filled Metrics in for (never
	// encoded): a decision passes one policy through several steps, and
	// each would otherwise copy every metric again.
	defaults defaultsMark
}

// Thresholds map a score (0-100) to a verdict.
type Thresholds struct {
	Pass     float64 `json:"pass"`
	Marginal float64 `json:"marginal"`
}

// KayentaOptions are the MannWhitneyClassifier constructor arguments.
// NetflixACAJudge-v1.0 hard-codes tolerance 0.25 and confidence 0.98.
type KayentaOptions struct {
	Tolerance float64 `json:"tolerance"`
	ConfLevel float64 `json:"conf_level"`
}

// Metric kinds: what the numbers are, which fixes how they are sent and
// which values are impossible.
const (
	KindGauge   = "gauge"   // any finite number (the default)
	KindLatency = "latency" // a duration or size: never negative
	KindRatio   = "ratio"   // a share sent as a plain series: in [0, 1]
	KindCount   = "count"   // events out of a total per point, judged as a rate
)

// Metric is one signal of the policy.
type Metric struct {
	Name  string `json:"name"`
	Group string `json:"group"`
	// Kind is gauge (default), latency, ratio or count. A count metric is
	// sent as {"events": [...], "total": [...]} per side and judged as a
	// rate (default mode only).
	Kind  string `json:"kind,omitempty"`
	Query string `json:"query,omitempty"`
	// TotalQuery is a count metric's second query, for its totals (Query
	// then gives its events); scheduled runs pull both.
	TotalQuery string `json:"total_query,omitempty"`
	// InstanceLabel makes scheduled runs keep one series per value of
	// this label (e.g. pod): the query returns one series per instance
	// (sum by (pod) (...)) and each is judged as a replicate (instances.go).
	InstanceLabel string    `json:"instance_label,omitempty"`
	Direction     Direction `json:"direction"`
	Critical      bool      `json:"critical,omitempty"`
	// RollbackTrigger: a regression of this metric rolls the canary back
	// on its own (after windows.consecutive_failures windows), even when
	// its weight alone cannot fail the score. Critical metrics always are.
	RollbackTrigger bool `json:"rollback_trigger,omitempty"`
	MustHaveData    bool `json:"must_have_data,omitempty"`
	// MinTotal: a count metric with a smaller total on either side in a
	// window is nodata for that window (e.g. too few requests to judge).
	MinTotal    float64    `json:"min_total,omitempty"`
	NaNStrategy string     `json:"nan_strategy,omitempty"` // remove | replace
	Outliers    Outliers   `json:"outliers"`
	EffectSize  EffectSize `json:"effect_size"`
	// MinSamples is the fewest points per side the default mode judges;
	// fewer is nodata. 0 = default. Not used in kayenta mode.
	MinSamples int `json:"min_samples,omitempty"`
	// Ceiling is an absolute limit on the canary (and, for baseline health,
	// the baseline): breaching it fails the metric in one window.
	Ceiling *float64 `json:"ceiling,omitempty"`
	// CeilingStat is the window statistic compared with Ceiling:
	// mean (default) | median | max.
	CeilingStat string `json:"ceiling_stat,omitempty"`
}

// Outliers configures outlier removal before classification.
type Outliers struct {
	Strategy string  `json:"strategy,omitempty"` // none | iqr | ksigma
	Factor   float64 `json:"factor,omitempty"`   // IQR factor or k; default 3
}

// EffectSize is the allowance. In default mode a metric fails only when
// its whole effect interval lies beyond the allowance in a bad direction.
// For mean_ratio, rate_ratio and cles the thresholds are values of the
// measure (1.2 = +20 %, 0.8 = -20 %); for mean_diff they are non-negative
// amounts in metric units. Floor (ratio measures, default mode) is the
// smallest absolute change (metric units; a rate for count metrics) that
// counts at all: a change must exceed both the ratio and the floor.
type EffectSize struct {
	Measure          string  `json:"measure,omitempty"`
	AllowedIncrease  float64 `json:"allowed_increase,omitempty"`
	AllowedDecrease  float64 `json:"allowed_decrease,omitempty"`
	CriticalIncrease float64 `json:"critical_increase,omitempty"`
	CriticalDecrease float64 `json:"critical_decrease,omitempty"`
	Floor            float64 `json:"floor,omitempty"`
}

// Windows sets the analysis cadence, how many windows decide and the
// release's lifetime. Bake time is measured in window time: from the start
// of the first window to the end of the latest.
type Windows struct {
	Interval            Duration `json:"interval"`
	MinWindows          int      `json:"min_windows"`
	MinBake             Duration `json:"min_bake"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	// ConsecutiveMarginal: this many marginal-or-failing windows in a row,
	// with the same metric failing in each, roll back like failing ones.
	ConsecutiveMarginal int `json:"consecutive_marginal"`
	ConsecutiveNoData   int `json:"consecutive_nodata"`
	// MaxWindows and MaxBake end the release's lifetime (whichever comes
	// first; 0 = no limit of that kind, but not both): a release still
	// baking then is promoted, rolled back or escalated, never left waiting.
	MaxWindows int      `json:"max_windows"`
	MaxBake    Duration `json:"max_bake"`
	// StaleAfter is how long a baking release may go without an analysis
	// before the sweeper escalates it (no_analysis); 0 = 3 x Interval.
	StaleAfter Duration `json:"stale_after,omitzero"`
}

// GuardPolicy bounds what automation may do (Policy.Guards).
type GuardPolicy struct {
	RollbackCap     RollbackCap `json:"rollback_cap"`
	RollbackTimeout Duration    `json:"rollback_timeout"`
	// Migrations is the migration policy: "expand_only" (the only one for
	// now) allows automatic rollback only across expand migrations.
	Migrations string `json:"migrations"`
}

// RollbackCap limits automatic rollbacks in a trailing window.
type RollbackCap struct {
	PerService int      `json:"per_service"`
	Fleet      int      `json:"fleet"`
	Window     Duration `json:"window"`
}

// Sink is one notification destination.
type Sink struct {
	Kind       string   `json:"kind"` // webhook | pagerduty | slack
	URL        string   `json:"url,omitempty"`
	Secret     string   `json:"secret,omitempty"`      // webhook HMAC-SHA256 key
	RoutingKey string   `json:"routing_key,omitempty"` // pagerduty
	Events     []string `json:"events,omitempty"`      // empty = all
}

// Duration is a time.Duration written as a Go duration string ("5m").
type Duration struct{ time.Duration }

// D makes a Duration.
func D(d time.Duration) Duration { return Duration{d} }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a Go duration string.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("must be a duration string such as \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("must be a duration string such as \"5m\": %v", err)
	}
	d.Duration = v
	return nil
}

// Clone is a copy of p that shares nothing a caller may change: its
// metrics, groups and sinks are copied (a metric's pointers to numbers are
// shared: nothing changes them in place).
func (p Policy) Clone() Policy {
	defaulted := p.defaults.covers(p)
	p.Metrics = append([]Metric(nil), p.Metrics...)
	if defaulted { // the copies are as filled in as the originals
		p.defaults = markDefaults(p)
	}
	if p.Groups != nil {
		g := make(map[string]float64, len(p.Groups))
		for k, v := range p.Groups {
			g[k] = v
		}
		p.Groups = g
	}
	p.Notify = append([]Sink(nil), p.Notify...)
	return p
}
