package judge

import (
	"math"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// countsOf sums one side of a count metric; a point whose events or total
// is null is a point without data.
func countsOf(c Count) (stats.Counts, int) {
	ev := make([]float64, 0, len(c.Total))
	tot := make([]float64, 0, len(c.Total))
	nans := 0
	for i := range c.Total {
		if i >= len(c.Events) || math.IsNaN(c.Events[i]) || math.IsNaN(c.Total[i]) {
			nans++
			continue
		}
		ev = append(ev, c.Events[i])
		tot = append(tot, c.Total[i])
	}
	return stats.CountsOf(ev, tot), nans
}

// countStats describes one side of a count metric: its rate as the mean.
func countStats(c Count, nans int, s stats.Counts) SideStats {
	st := SideStats{Points: len(c.Total), NaN: nans, Events: num(s.Events), Total: num(s.Total),
		Rate: num(s.Rate()), Dispersion: num(s.Dispersion), Scale: num(s.Scale), Autocorrelation: num(s.Rho), lags: s.Resid}
	st.Mean = st.Rate
	return st
}

// momentStats describes one side of a plain series with its moments.
func momentStats(raw []float64, final sample, nans, outliers int, m stats.Moments) SideStats {
	st := sideStats(raw, final, nans, outliers)
	st.lags = m.Lags
	if m.N > 0 {
		st.Mean, st.SE, st.NEff, st.Autocorrelation = num(m.Mean), num(m.SE), num(m.NEff), num(m.Rho)
	}
	return st
}

// rateCeiling compares each side's rate with the ceiling (ceiling.go). A
// rate breaches only when its lower bound (wrong with probability alpha)
// lies above the ceiling: at low traffic one error in ten requests is not
// a 10 % error rate.
func rateCeiling(m Metric, c, b stats.Counts, alpha, strict float64) *CeilingCheck {
	ck := &CeilingCheck{Ceiling: *m.Ceiling, Stat: "rate"}
	check := func(s stats.Counts, alpha float64) (rate, lo, hi *float64) {
		if s.Total <= 0 {
			return nil, nil, nil
		}
		x, n := s.Effective()
		l, h := stats.CPInterval(x, n, 2*alpha)
		return num(s.Rate()), num(l), num(h)
	}
	ck.Canary, ck.CanaryLower, _ = check(c, alpha)
	ck.Baseline, ck.BaselineLower, _ = check(b, alpha)
	_, _, ck.BaselineUpper = check(b, strict)
	ck.CanaryBreached = ck.CanaryLower != nil && *ck.CanaryLower > ck.Ceiling
	ck.BaselineBreached = ck.BaselineLower != nil && *ck.BaselineLower > ck.Ceiling
	ck.BaselineNear = ck.BaselineUpper != nil && *ck.BaselineUpper >= ck.Ceiling
	return ck
}
