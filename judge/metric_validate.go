package judge

import (
	"fmt"
	"regexp"
)

// validate appends the problems of one metric (defaults already applied).
func (m Metric) validate(v *ValidationError, path string, mode Mode, alpha float64) {
	if m.Name == "" {
		v.Add(path+"name", "is required")
	} else if !nameRE.MatchString(m.Name) {
		v.Add(path+"name", nameRule)
	}
	if m.Group == "" {
		v.Add(path+"group", "is required")
	} else if !nameRE.MatchString(m.Group) {
		v.Add(path+"group", nameRule)
	}
	if len(m.Query) > 8192 {
		v.Add(path+"query", "must be at most 8192 bytes")
	}
	switch {
	case len(m.TotalQuery) > 8192:
		v.Add(path+"total_query", "must be at most 8192 bytes")
	case m.TotalQuery != "" && m.Kind != KindCount:
		v.Add(path+"total_query", "is only used by kind count (query gives the events, total_query the totals)")
	case m.TotalQuery != "" && m.Query == "":
		v.Add(path+"query", "is required with total_query (query gives the events, total_query the totals)")
	}
	if m.InstanceLabel != "" && (len(m.InstanceLabel) > 128 || !IsLabelName(m.InstanceLabel)) {
		v.Add(path+"instance_label", "must be a label name: [a-zA-Z_][a-zA-Z0-9_]*, at most 128 characters")
	}
	switch m.Direction {
	case DirIncrease, DirDecrease, DirEither:
	case "":
		v.Add(path+"direction", "is required: one of increase, decrease, either (which change is bad)")
	default:
		v.Add(path+"direction", "must be one of increase, decrease, either")
	}
	if m.NaNStrategy != NaNRemove && m.NaNStrategy != NaNReplace {
		v.Add(path+"nan_strategy", "must be one of remove, replace")
	}
	m.validateOutliers(v, path+"outliers.")
	m.validateEffect(v, path+"effect_size.", mode)
	switch {
	case mode == ModeKayenta && m.MinSamples != 0:
		v.Add(path+"min_samples", "is not used in kayenta mode (Kayenta judges any non-empty sample); remove it or use mode default")
	case mode != ModeKayenta && (m.MinSamples < MinSamplesFloor || m.MinSamples > MaxPoints):
		v.Add(path+"min_samples", fmt.Sprintf("must be an integer between %d and %d (fewer points cannot estimate a variance and an autocorrelation)", MinSamplesFloor, MaxPoints))
	}
	m.validateKind(v, path, mode)
	if m.Ceiling != nil && !finite(*m.Ceiling) {
		v.Add(path+"ceiling", "must be a finite number")
	}
	switch m.CeilingStat {
	case CeilingMean, CeilingMedian, CeilingMax:
	default:
		v.Add(path+"ceiling_stat", "must be one of mean, median, max")
	}
}

var labelNameRE = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// IsLabelName reports whether s is a Prometheus label name.
func IsLabelName(s string) bool { return labelNameRE.MatchString(s) }

// MinSamplesFloor is the smallest min_samples the default mode accepts.
const MinSamplesFloor = 3

// validateKind checks the metric kind and the options that go with it.
func (m Metric) validateKind(v *ValidationError, path string, mode Mode) {
	switch m.Kind {
	case KindGauge, KindLatency, KindRatio:
		if m.EffectSize.Measure == MeasureRateRatio {
			v.Add(path+"effect_size.measure", "rate_ratio is for kind count (events out of a total)")
		}
		if m.MinTotal != 0 {
			v.Add(path+"min_total", "is only used by kind count")
		}
	case KindCount:
		if mode == ModeKayenta {
			v.Add(path+"kind", "count is not available in kayenta mode (send the ratio as a plain series, kind ratio)")
		} else if m.EffectSize.Measure != MeasureRateRatio {
			v.Add(path+"effect_size.measure", "a count metric is judged as a rate: measure must be rate_ratio")
		}
		if !finite(m.MinTotal) || m.MinTotal < 0 {
			v.Add(path+"min_total", "must be a finite number, not negative")
		}
		if m.Outliers.Strategy != OutliersNone {
			v.Add(path+"outliers.strategy", "outlier removal does not apply to counts (an error burst is the signal)")
		}
	default:
		v.Add(path+"kind", "must be one of gauge, latency, ratio, count")
	}
	if mode == ModeKayenta && m.EffectSize.Floor != 0 {
		v.Add(path+"effect_size.floor", "is not used in kayenta mode")
	}
	if mode == ModeSequential && m.EffectSize.Measure == MeasureCLES {
		v.Add(path+"effect_size.measure", "cles has no confidence sequence; use mean_ratio, mean_diff or (counts) rate_ratio in mode sequential")
	}
}

func (m Metric) validateOutliers(v *ValidationError, path string) {
	o := m.Outliers
	switch o.Strategy {
	case OutliersNone:
		if o.Factor != 0 {
			v.Add(path+"factor", "is only used with strategy iqr or ksigma")
		}
	case OutliersIQR, OutliersKSigma:
		if !finite(o.Factor) || o.Factor <= 0 || o.Factor > 100 {
			v.Add(path+"factor", "must be a number in (0, 100]")
		}
	default:
		v.Add(path+"strategy", "must be one of none, iqr, ksigma")
	}
}

func (m Metric) validateEffect(v *ValidationError, path string, mode Mode) {
	e := m.EffectSize
	vals := []struct {
		name string
		x    float64
	}{
		{"allowed_increase", e.AllowedIncrease}, {"allowed_decrease", e.AllowedDecrease},
		{"critical_increase", e.CriticalIncrease}, {"critical_decrease", e.CriticalDecrease},
	}
	for _, t := range vals {
		if !finite(t.x) || t.x < 0 {
			v.Add(path+t.name, "must be a finite number, not negative")
		}
	}
	switch e.Measure {
	case MeasureMeanRatio:
		if finite(e.AllowedIncrease) && e.AllowedIncrease < 1 {
			v.Add(path+"allowed_increase", "must be at least 1 for mean_ratio (1.2 allows +20 %)")
		}
		if finite(e.AllowedDecrease) && e.AllowedDecrease > 1 {
			v.Add(path+"allowed_decrease", "must be at most 1 for mean_ratio (0.8 allows -20 %)")
		}
	case MeasureCLES:
		for _, t := range vals {
			if finite(t.x) && t.x > 1 {
				v.Add(path+t.name, "must be a probability in [0, 1] for cles")
			}
		}
		if finite(e.AllowedIncrease) && e.AllowedIncrease < 0.5 {
			v.Add(path+"allowed_increase", "must be at least 0.5 for cles")
		}
		if finite(e.AllowedDecrease) && e.AllowedDecrease > 0.5 {
			v.Add(path+"allowed_decrease", "must be at most 0.5 for cles")
		}
	case MeasureMeanDiff:
		if mode == ModeKayenta {
			v.Add(path+"measure", "mean_diff is not available in kayenta mode (use mean_ratio or cles)")
		}
		if e.Floor != 0 {
			v.Add(path+"floor", "mean_diff allowances are already absolute amounts; floor is for ratio measures")
		}
	case MeasureRateRatio:
		if finite(e.AllowedIncrease) && e.AllowedIncrease < 1 {
			v.Add(path+"allowed_increase", "must be at least 1 for rate_ratio (1.5 allows +50 %)")
		}
		if finite(e.AllowedDecrease) && e.AllowedDecrease > 1 {
			v.Add(path+"allowed_decrease", "must be at most 1 for rate_ratio (0.95 allows -5 %)")
		}
	default:
		v.Add(path+"measure", "must be one of mean_ratio, rate_ratio, cles, mean_diff")
	}
	if !finite(e.Floor) || e.Floor < 0 {
		v.Add(path+"floor", "must be a finite number, not negative")
	}
}
