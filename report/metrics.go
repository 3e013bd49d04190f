package report

import (
	"encoding/json"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Series names.
const (
	SeriesWindow = "window" // each window's own effect interval
	SeriesPooled = "pooled" // the release's windows pooled, as the decision on each window saw them
)

// metrics builds each metric of the chosen window, with its series over
// every window of the release.
func metrics(chosen *store.Analysis, as []store.Analysis, decided map[int64]*judge.Decision, input json.RawMessage) []Metric {
	sides := decodeInput(input)
	out := make([]Metric, 0, len(chosen.Result.Metrics))
	for _, mr := range chosen.Result.Metrics {
		e := mr.Effect
		m := Metric{Name: mr.Name, Group: mr.Group, Kind: mr.Kind, Direction: mr.Direction, Critical: mr.Critical,
			Measure: e.Measure, Classification: mr.Classification, Rule: mr.Rule, Reason: mr.Reason,
			Allowance: bandOf(e, mr.Direction), Canary: mr.Canary, Baseline: mr.Baseline}
		if e.Value != nil {
			m.Effect = &Point{Seq: chosen.Seq, Value: e.Value, Lower: e.Lower, Upper: e.Upper, Level: e.Level, Classification: mr.Classification}
		}
		m.Distribution = distribution(mr, sides)
		m.Series = []Series{windowSeries(mr.Name, as), pooledSeries(mr.Name, as, decided)}
		out = append(out, m)
	}
	return out
}

// bandOf is the allowance in the measure's units, open on the side the
// policy does not mind.
func bandOf(e judge.Effect, dir judge.Direction) Band {
	b := Band{Neutral: 1, Floor: e.Floor}
	lo, hi := e.AllowedDecrease, e.AllowedIncrease
	switch e.Measure {
	case judge.MeasureMeanDiff:
		b.Neutral, lo = 0, -e.AllowedDecrease
	case judge.MeasureCLES:
		b.Neutral = 0.5
	}
	if dir != judge.DirIncrease {
		b.Lower = &lo
	}
	if dir != judge.DirDecrease {
		b.Upper = &hi
	}
	return b
}

// windowSeries is each window's own effect interval for metric name.
func windowSeries(name string, as []store.Analysis) Series {
	s := Series{Name: SeriesWindow, Label: "this window's interval", Points: []Point{}}
	for _, a := range as {
		if a.Result == nil {
			continue
		}
		for _, mr := range a.Result.Metrics {
			if mr.Name == name && mr.Effect.Value != nil {
				e := mr.Effect
				s.Points = append(s.Points, Point{Seq: a.Seq, Value: e.Value, Lower: e.Lower, Upper: e.Upper, Level: e.Level,
					Classification: mr.Classification})
			}
		}
	}
	return s
}

// pooledSeries is the pooled interval of metric name that the decision on
// each window saw (windows before the first pool have no point).
func pooledSeries(name string, as []store.Analysis, decided map[int64]*judge.Decision) Series {
	s := Series{Name: SeriesPooled, Label: "pooled over the windows so far", Points: []Point{}}
	for _, a := range as {
		d := decided[a.ID]
		if d == nil || d.Evidence.Pooled == nil {
			continue
		}
		for _, pm := range d.Evidence.Pooled.Metrics {
			if pm.Name == name && pm.Value != nil {
				s.Points = append(s.Points, Point{Seq: a.Seq, Value: pm.Value, Lower: pm.Lower, Upper: pm.Upper, Level: pm.Level,
					Classification: pm.Classification})
			}
		}
	}
	return s
}

// decodeInput reads the chosen window's request; nil when unknown.
func decodeInput(raw json.RawMessage) *windowInput {
	if len(raw) == 0 {
		return nil
	}
	var in windowInput
	if json.Unmarshal(raw, &in) != nil {
		return nil
	}
	return &in
}

type windowInput struct {
	Canary   judge.Side `json:"canary"`
	Baseline judge.Side `json:"baseline"`
}

// distribution is both sides' values of one metric in the chosen window:
// from the points sent when the input is known, else from the summary
// statistics the result keeps (min, median, mean, max).
func distribution(mr judge.MetricResult, in *windowInput) *Distribution {
	of := "value"
	if mr.Kind == judge.KindCount {
		of = "rate"
	}
	if in != nil {
		c, okc := sideValues(in.Canary, mr.Name)
		b, okb := sideValues(in.Baseline, mr.Name)
		if okc && okb {
			return &Distribution{Of: of, Source: "points", Canary: QuantilesOf(c), Baseline: QuantilesOf(b)}
		}
	}
	if mr.Canary.Points == 0 && mr.Baseline.Points == 0 {
		return nil
	}
	d := &Distribution{Of: of, Source: "summary", Canary: fromStats(mr.Canary, mr.N), Baseline: fromStats(mr.Baseline, mr.M)}
	if of == "rate" {
		d.Canary = Quantiles{N: mr.N, Mean: mr.Canary.Rate}
		d.Baseline = Quantiles{N: mr.M, Mean: mr.Baseline.Rate}
	}
	return d
}

// sideValues is one metric's values on one side: the points of a plain
// series, or events/total per point of a count (points without traffic
// left out).
func sideValues(s judge.Side, name string) ([]float64, bool) {
	if xs, ok := s.Series[name]; ok {
		return xs, true
	}
	c, ok := s.Counts[name]
	if !ok {
		return nil, false
	}
	out := make([]float64, 0, len(c.Total))
	for i := range min(len(c.Events), len(c.Total)) {
		if c.Total[i] > 0 {
			out = append(out, c.Events[i]/c.Total[i])
		}
	}
	return out, true
}

func fromStats(s judge.SideStats, n int) Quantiles {
	return Quantiles{N: n, Min: s.Min, Median: s.Median, Max: s.Max, Mean: s.Mean}
}
