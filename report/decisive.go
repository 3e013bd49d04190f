package report

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// decisive lists the metrics decision d (made on analysis a) rested on,
// with the intervals it saw. A guard keeps the analysis's evidence, so a
// rollback the migration gate turned into an escalation names the same
// metrics as the rollback would have.
func decisive(d judge.Decision, a *store.Analysis, as []store.Analysis) []Decisive {
	if a.Result == nil {
		return []Decisive{}
	}
	results := map[string]judge.MetricResult{}
	for _, mr := range a.Result.Metrics {
		results[mr.Name] = mr
	}
	why := d.Reason
	if c := d.Evidence.Candidate; c != nil {
		why = c.Reason
	}
	ev := d.Evidence
	var out []Decisive
	switch {
	case why == judge.ReasonCriticalCeiling || (why == judge.ReasonBaselineUnhealthy && len(ev.BaselineBreaches) > 0):
		out = ceilings(ev, results, a.Seq)
	case why == judge.ReasonPooledRegression || why == judge.ReasonLifetimeExhausted:
		out = pooled(ev, results, as, a.Seq)
	case why == judge.ReasonSequentialRegression:
		out = sequences(ev, results, as, a.Seq)
	case why == judge.ReasonNoData:
		out = noData(ev, results, as, a.Seq)
	default:
		out = streaks(ev, results, as, a.Seq)
	}
	if out == nil {
		out = []Decisive{}
	}
	return out
}

// streaks: each metric failing in the last windows in a row, with each
// of those windows' intervals.
func streaks(ev judge.Evidence, results map[string]judge.MetricResult, as []store.Analysis, seq int) []Decisive {
	runs := map[string]int{}
	for name, n := range ev.Streaks {
		runs[name] = n
	}
	for _, name := range ev.FailingMetrics {
		runs[name] = max(runs[name], 1)
	}
	var out []Decisive
	for _, name := range sortedKeys(runs) {
		mr, ok := results[name]
		if !ok {
			continue
		}
		seqs := windowsBack(as, seq, runs[name])
		m := Decisive{Name: name, Measure: mr.Effect.Measure, Basis: "window", Allowance: bandOf(mr.Effect, mr.Direction), Windows: seqs,
			Points: pointsAt(windowSeries(name, as), seqs)}
		m.EffectText = pointsText(m.Points, true)
		m.Text = fmt.Sprintf("%s, %s %s, %s", name, MeasureText(m.Measure), m.EffectText, AllowanceText(m.Allowance))
		out = append(out, m)
	}
	return out
}

// pooled: each metric whose interval over the windows pooled lies beyond
// its allowance (or whose estimate does, at the end of the lifetime).
func pooled(ev judge.Evidence, results map[string]judge.MetricResult, as []store.Analysis, seq int) []Decisive {
	if ev.Pooled == nil {
		return streaks(ev, results, as, seq)
	}
	var out []Decisive
	for _, pm := range ev.Pooled.Metrics {
		mr, ok := results[pm.Name]
		if !ok || (pm.Classification != judge.ClassHigh && pm.Classification != judge.ClassLow) {
			continue
		}
		seqs := windowsBack(as, seq, max(pm.Windows, 1))
		m := Decisive{Name: pm.Name, Measure: mr.Effect.Measure, Basis: "pooled", Allowance: bandOf(mr.Effect, mr.Direction), Windows: seqs,
			Points: []Point{{Seq: seq, Value: pm.Value, Lower: pm.Lower, Upper: pm.Upper, Level: pm.Level, Classification: pm.Classification}}}
		m.EffectText = pointsText(m.Points, false) + " over " + seqText(seqs) + " pooled"
		m.Text = fmt.Sprintf("%s, %s %s, %s", pm.Name, MeasureText(m.Measure), m.EffectText, AllowanceText(m.Allowance))
		out = append(out, m)
	}
	if len(out) == 0 {
		return streaks(ev, results, as, seq)
	}
	return out
}

// sequences: each metric whose confidence sequence (without its most
// adverse window) lies beyond the allowance.
func sequences(ev judge.Evidence, results map[string]judge.MetricResult, as []store.Analysis, seq int) []Decisive {
	var out []Decisive
	for _, s := range ev.Sequence {
		mr, ok := results[s.Name]
		if !ok {
			continue
		}
		band := bandOf(mr.Effect, mr.Direction)
		lo, hi := s.RollbackLower, s.RollbackUpper
		if lo == nil && hi == nil {
			lo, hi = s.Lower, s.Upper
		}
		beyond := (band.Upper != nil && lo != nil && *lo > *band.Upper) || (band.Lower != nil && hi != nil && *hi < *band.Lower)
		if !beyond {
			continue
		}
		seqs := windowsBack(as, seq, max(s.Windows, 1))
		m := Decisive{Name: s.Name, Measure: s.Measure, Basis: "sequence", Allowance: band, Windows: seqs,
			Points: []Point{{Seq: seq, Value: s.Estimate, Lower: lo, Upper: hi, Level: 1 - 2*s.Alpha}}}
		m.EffectText = pointsText(m.Points, false) + " (confidence sequence over " + seqText(seqs) + ")"
		m.Text = fmt.Sprintf("%s, %s %s, %s", s.Name, MeasureText(m.Measure), m.EffectText, AllowanceText(band))
		out = append(out, m)
	}
	if len(out) == 0 {
		return streaks(ev, results, as, seq)
	}
	return out
}

// ceilings: each metric past its absolute ceiling, on the canary
// (critical_ceiling) or the baseline (baseline_unhealthy).
func ceilings(ev judge.Evidence, results map[string]judge.MetricResult, seq int) []Decisive {
	names, basis, side := ev.CeilingBreaches, "ceiling", "canary"
	if len(names) == 0 {
		names, basis, side = ev.BaselineBreaches, "baseline_ceiling", "baseline"
	}
	var out []Decisive
	for _, name := range names {
		mr, ok := results[name]
		if !ok || mr.Ceiling == nil {
			continue
		}
		c := mr.Ceiling
		val := c.Canary
		if side == "baseline" {
			val = c.Baseline
		}
		m := Decisive{Name: name, Measure: mr.Effect.Measure, Basis: basis, Allowance: bandOf(mr.Effect, mr.Direction), Ceiling: c,
			Windows: []int{seq}, Points: []Point{}}
		m.EffectText = fmt.Sprintf("the %s's %s %s is past its ceiling %s (canary %s, baseline %s)", side, orWord(c.Stat, "value"),
			NumPtr(val), Num(c.Ceiling), NumPtr(c.Canary), NumPtr(c.Baseline))
		m.Text = name + ": " + m.EffectText
		out = append(out, m)
	}
	return out
}

// noData: the metrics without data in the last windows in a row.
func noData(ev judge.Evidence, results map[string]judge.MetricResult, as []store.Analysis, seq int) []Decisive {
	var out []Decisive
	seqs := windowsBack(as, seq, max(ev.ConsecutiveNoData, 1))
	for _, name := range sortedKeys(results) {
		mr := results[name]
		if mr.Classification != judge.ClassNoData {
			continue
		}
		out = append(out, Decisive{Name: name, Measure: mr.Effect.Measure, Basis: "nodata", Allowance: bandOf(mr.Effect, mr.Direction),
			Windows: seqs, Points: []Point{}, EffectText: "no data: " + Readable(mr.Reason), Text: fmt.Sprintf("%s had no data: %s", name, Readable(mr.Reason))})
	}
	return out
}

// windowsBack is the seqs of the last n windows up to seq, oldest first.
func windowsBack(as []store.Analysis, seq, n int) []int {
	var out []int
	for i := len(as) - 1; i >= 0 && len(out) < n; i-- {
		if as[i].Seq <= seq {
			out = append(out, as[i].Seq)
		}
	}
	sort.Ints(out)
	return out
}

// pointsAt picks the points of s at seqs.
func pointsAt(s Series, seqs []int) []Point {
	want := map[int]bool{}
	for _, q := range seqs {
		want[q] = true
	}
	out := []Point{}
	for _, p := range s.Points {
		if want[p.Seq] {
			out = append(out, p)
		}
	}
	return out
}

// pointsText: "5.58 [4.41, 7.14] in window 2 (90 % interval)", the newest
// first, earlier windows after it.
func pointsText(ps []Point, perWindow bool) string {
	if len(ps) == 0 {
		return "(no interval)"
	}
	parts := make([]string, 0, len(ps))
	for i := len(ps) - 1; i >= 0; i-- {
		s := IntervalText(ps[i])
		if perWindow {
			s += fmt.Sprintf(" in window %d", ps[i].Seq)
		}
		parts = append(parts, s)
	}
	level := ""
	if l := ps[len(ps)-1].Level; l > 0 {
		level = fmt.Sprintf(" (%s %% interval%s)", Num(math.Round(l*1000)/10), plural(len(ps)))
	}
	return list(parts) + level
}

// IntervalText is "5.58 [4.41, 7.14]"; an open bound is "unbounded".
func IntervalText(p Point) string {
	lo, hi := "unbounded", "unbounded"
	if p.Lower != nil {
		lo = Num(*p.Lower)
	}
	if p.Upper != nil {
		hi = Num(*p.Upper)
	}
	return fmt.Sprintf("%s [%s, %s]", NumPtr(p.Value), lo, hi)
}

// AllowanceText is the allowance in words: "allowed at most 1.2".
func AllowanceText(b Band) string {
	switch {
	case b.Lower != nil && b.Upper != nil:
		return fmt.Sprintf("allowed from %s to %s", Num(*b.Lower), Num(*b.Upper))
	case b.Upper != nil:
		return "allowed at most " + Num(*b.Upper)
	case b.Lower != nil:
		return "allowed at least " + Num(*b.Lower)
	}
	return "no allowance"
}

// MeasureText names a measure for people.
func MeasureText(measure string) string {
	switch measure {
	case judge.MeasureMeanRatio:
		return "mean ratio canary/baseline"
	case judge.MeasureRateRatio:
		return "rate ratio canary/baseline"
	case judge.MeasureMeanDiff:
		return "difference of means canary - baseline"
	case judge.MeasureCLES:
		return "P(canary > baseline)"
	}
	return strings.ReplaceAll(measure, "_", " ")
}

func plural(n int) string {
	if n > 1 {
		return "s"
	}
	return ""
}

func orWord(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
