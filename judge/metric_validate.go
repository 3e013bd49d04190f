package judge

import (
	"fmt"
	"math"
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
	case mode != ModeKayenta && (m.MinSamples < 1 || m.MinSamples > MaxPoints):
		v.Add(path+"min_samples", fmt.Sprintf("must be an integer between 1 and %d", MaxPoints))
	case mode != ModeKayenta && finite(alpha) && alpha > 0 && m.MinSamples < minSamplesFor(alpha):
		k := m.MinSamples
		v.Add(path+"min_samples", fmt.Sprintf("%d points per side can never be significant at alpha %g (smallest exact p is %.3g); use at least %d",
			k, alpha, 2/math.Round(binom2(k)), minSamplesFor(alpha)))
	}
	if m.Ceiling != nil && !finite(*m.Ceiling) {
		v.Add(path+"ceiling", "must be a finite number")
	}
	switch m.CeilingStat {
	case CeilingMean, CeilingMedian, CeilingMax:
	default:
		v.Add(path+"ceiling_stat", "must be one of mean, median, max")
	}
}

// binom2 is C(2k, k).
func binom2(k int) float64 {
	c := 1.0
	for i := 1; i <= k; i++ {
		c = c * float64(k+i) / float64(i)
	}
	return c
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
	default:
		v.Add(path+"measure", "must be one of mean_ratio, cles, mean_diff")
	}
}
