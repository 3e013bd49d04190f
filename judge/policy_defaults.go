package judge

import "time"

// Defaults. Windows: one analysis window of 5m at one-minute resolution
// holds 5 points, which is also the default minimum sample size (fewer
// points cannot estimate a variance and an autocorrelation worth the
// name). A release lives at most 12 windows (an hour at 5m): by then it is
// promoted, rolled back or escalated.
const (
	DefaultPass                = 75
	DefaultMarginal            = 50
	DefaultAlpha               = 0.05
	DefaultKayentaTolerance    = 0.25
	DefaultKayentaConfLevel    = 0.98
	DefaultInterval            = 5 * time.Minute
	DefaultMinWindows          = 3
	DefaultMinBake             = 15 * time.Minute
	DefaultConsecutiveFailures = 2
	DefaultConsecutiveNoData   = 3
	DefaultConsecutiveMarginal = 3
	DefaultMaxWindows          = 12
	DefaultRollbackPerService  = 2
	DefaultRollbackFleet       = 5
	DefaultRollbackWindow      = time.Hour
	DefaultRollbackTimeout     = 10 * time.Minute
	DefaultMinSamples          = 5
	DefaultOutlierFactor       = 3.0
)

// DefaultStaleIntervals is windows.stale_after when unset, in intervals.
const DefaultStaleIntervals = 3

// StaleAfterOrDefault is how long a baking release may go without an
// analysis: StaleAfter, or DefaultStaleIntervals x Interval when unset.
func (w Windows) StaleAfterOrDefault() time.Duration {
	if w.StaleAfter.Duration > 0 {
		return w.StaleAfter.Duration
	}
	return DefaultStaleIntervals * w.Interval.Duration
}

// Lifetime is the most windows a release can have: MaxWindows or
// MaxBake / Interval (rounded up), whichever ends first; at least 1.
func (w Windows) Lifetime() int {
	n := w.MaxWindows
	if w.MaxBake.Duration > 0 && w.Interval.Duration > 0 {
		b := int((w.MaxBake.Duration + w.Interval.Duration - 1) / w.Interval.Duration)
		if n == 0 || b < n {
			n = b
		}
	}
	return max(n, 1)
}

// baked reports whether n windows over elapsed meet min_windows and
// min_bake.
func (w Windows) baked(n int, elapsed time.Duration) bool {
	return n >= w.MinWindows && elapsed >= w.MinBake.Duration
}

// DefaultPolicy returns a policy with every default filled in and no
// metrics. It is the starting point ParsePolicy decodes onto; on its own it
// does not validate, because a policy must name at least one metric.
func DefaultPolicy() Policy {
	return Policy{
		Mode:       ModeDefault,
		Thresholds: Thresholds{Pass: DefaultPass, Marginal: DefaultMarginal},
		Alpha:      DefaultAlpha,
		Kayenta:    KayentaOptions{Tolerance: DefaultKayentaTolerance, ConfLevel: DefaultKayentaConfLevel},
		Windows: Windows{
			Interval:            D(DefaultInterval),
			MinWindows:          DefaultMinWindows,
			MinBake:             D(DefaultMinBake),
			ConsecutiveFailures: DefaultConsecutiveFailures,
			ConsecutiveMarginal: DefaultConsecutiveMarginal,
			ConsecutiveNoData:   DefaultConsecutiveNoData,
			MaxWindows:          DefaultMaxWindows,
		},
		Guards: GuardPolicy{
			RollbackCap: RollbackCap{
				PerService: DefaultRollbackPerService,
				Fleet:      DefaultRollbackFleet,
				Window:     D(DefaultRollbackWindow),
			},
			RollbackTimeout: D(DefaultRollbackTimeout),
			Migrations:      MigrationsExpandOnly,
		},
	}
}

// WithDefaults is p as the judge reads it: every zero-valued metric
// option replaced by the default for p's mode. Judging it gives exactly
// what judging p gives; a caller that hands one policy to several steps
// of a decision fills the defaults in once (each step then reuses them).
func (p Policy) WithDefaults() Policy { return p.withDefaults() }

// withDefaults returns a copy of p whose metrics have every zero-valued
// option replaced by the default for p's mode. It never changes a set value.
func (p Policy) withDefaults() Policy {
	if p.Mode == "" {
		p.Mode = ModeDefault
	}
	if p.defaults.covers(p) {
		return p
	}
	ms := make([]Metric, len(p.Metrics))
	for i, m := range p.Metrics {
		ms[i] = m.withDefaults(p.Mode, p.Alpha)
	}
	p.Metrics = ms
	p.defaults = markDefaults(p)
	return p
}

// defaultsMark names the metrics slice withDefaults made, and the mode
// and alpha it made them for. Its slice is never handed out to be
// appended to in place (its capacity is its length), so another slice, or
// another mode or alpha, fills the defaults in again. (Setting a field of
// one of its metrics to zero afterwards would not: nothing does.)
type defaultsMark struct {
	metrics *Metric
	n       int
	mode    Mode
	alpha   float64
}

func markDefaults(p Policy) defaultsMark {
	if len(p.Metrics) == 0 {
		return defaultsMark{}
	}
	return defaultsMark{metrics: &p.Metrics[0], n: len(p.Metrics), mode: p.Mode, alpha: p.Alpha}
}

func (d defaultsMark) covers(p Policy) bool {
	return d.metrics != nil && len(p.Metrics) == d.n && &p.Metrics[0] == d.metrics &&
		d.mode == p.Mode && d.alpha == p.Alpha
}

func (m Metric) withDefaults(mode Mode, alpha float64) Metric {
	if m.Kind == "" {
		m.Kind = KindGauge
	}
	if m.NaNStrategy == "" {
		m.NaNStrategy = NaNRemove
	}
	if m.Outliers.Strategy == "" {
		m.Outliers.Strategy = OutliersNone
	}
	if m.Outliers.Strategy != OutliersNone && m.Outliers.Factor == 0 {
		m.Outliers.Factor = DefaultOutlierFactor
	}
	if m.CeilingStat == "" {
		m.CeilingStat = CeilingMean
	}
	if mode != ModeKayenta && m.MinSamples == 0 {
		m.MinSamples = DefaultMinSamples
	}
	e := &m.EffectSize
	switch {
	case e.Measure != "":
	case m.Kind == KindCount:
		e.Measure = MeasureRateRatio
	default:
		e.Measure = MeasureMeanRatio
	}
	inc, dec := effectDefaults(mode, e.Measure)
	if e.AllowedIncrease == 0 {
		e.AllowedIncrease = inc
	}
	if e.AllowedDecrease == 0 {
		e.AllowedDecrease = dec
	}
	// Kayenta's critical thresholds default to the same constants; in the
	// default mode any failure of a critical metric is critical unless the
	// policy asks for a larger effect.
	if e.CriticalIncrease == 0 {
		e.CriticalIncrease = e.AllowedIncrease
		if mode == ModeKayenta {
			e.CriticalIncrease = inc
		}
	}
	if e.CriticalDecrease == 0 {
		e.CriticalDecrease = e.AllowedDecrease
		if mode == ModeKayenta {
			e.CriticalDecrease = dec
		}
	}
	return m
}

// effectDefaults are the allowed increase and decrease for a measure.
// Kayenta: 1.0/1.0 for meanRatio (any change) and 0.5/0.5 for CLES. Default
// mode: +/-10 % for mean_ratio and rate_ratio, 0.6/0.4 for CLES, no
// allowance for mean_diff.
func effectDefaults(mode Mode, measure string) (inc, dec float64) {
	switch {
	case mode == ModeKayenta && measure == MeasureCLES:
		return 0.5, 0.5
	case mode == ModeKayenta:
		return 1, 1
	case measure == MeasureCLES:
		return 0.6, 0.4
	case measure == MeasureMeanDiff:
		return 0, 0
	default:
		return 1.1, 0.9
	}
}
