package judge

import (
	"encoding/json"
	"fmt"
	"time"
)

// Mode selects the classifier and scorer.
type Mode string

const (
	ModeDefault Mode = "default"
	ModeKayenta Mode = "kayenta"
)

// Direction says which change of a metric is bad.
type Direction string

const (
	DirIncrease Direction = "increase"
	DirDecrease Direction = "decrease"
	DirEither   Direction = "either"
)

// Policy is the per-service trigger and signal table: what to measure, how to
// judge it, and the guards applied to the resulting decisions.
type Policy struct {
	Mode       Mode               `json:"mode"`
	Thresholds Thresholds         `json:"thresholds"`
	Groups     map[string]float64 `json:"groups,omitempty"`
	Metrics    []Metric           `json:"metrics"`
	Windows    Windows            `json:"windows"`
	Guards     Guards             `json:"guards"`
	Notify     []Sink             `json:"notify,omitempty"`
}

// Thresholds map a score (0-100) to a verdict.
type Thresholds struct {
	Pass     float64 `json:"pass"`
	Marginal float64 `json:"marginal"`
}

// Metric is one signal of the policy.
type Metric struct {
	Name         string     `json:"name"`
	Group        string     `json:"group"`
	Query        string     `json:"query,omitempty"`
	Direction    Direction  `json:"direction"`
	Critical     bool       `json:"critical,omitempty"`
	MustHaveData bool       `json:"must_have_data,omitempty"`
	NaNStrategy  string     `json:"nan_strategy,omitempty"` // remove | replace
	Outliers     Outliers   `json:"outliers"`
	EffectSize   EffectSize `json:"effect_size"`
	MinSamples   int        `json:"min_samples,omitempty"`
	// Ceiling is an absolute limit on the canary (and, for baseline health,
	// the baseline): breaching it fails the metric in one window.
	Ceiling *float64 `json:"ceiling,omitempty"`
}

// Outliers configures outlier removal before classification.
type Outliers struct {
	Strategy string  `json:"strategy,omitempty"` // none | iqr
	Factor   float64 `json:"factor,omitempty"`
}

// EffectSize configures the effect-size gate: a metric fails only when the
// change is significant and beyond the allowed effect.
type EffectSize struct {
	Measure          string  `json:"measure,omitempty"`
	AllowedIncrease  float64 `json:"allowed_increase,omitempty"`
	AllowedDecrease  float64 `json:"allowed_decrease,omitempty"`
	CriticalIncrease float64 `json:"critical_increase,omitempty"`
	CriticalDecrease float64 `json:"critical_decrease,omitempty"`
}

// Windows sets the analysis cadence and how many windows decide.
type Windows struct {
	Interval            Duration `json:"interval"`
	MinWindows          int      `json:"min_windows"`
	MinBake             Duration `json:"min_bake"`
	ConsecutiveFailures int      `json:"consecutive_failures"`
	ConsecutiveNoData   int      `json:"consecutive_nodata"`
}

// Guards bound what automation may do.
type Guards struct {
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
