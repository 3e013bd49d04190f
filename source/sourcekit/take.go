package sourcekit

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// take keeps a query's single series (or its series per instance), its
// points aligned to the window, or records why there is none.
func take(j *job, ss []Series, w Window) {
	if j.err != nil {
		j.asked.Problem = j.err.Error()
		return
	}
	kept := ss[:0]
	for _, s := range ss {
		s.Points = Align(s.Points, w)
		if !allMissing(s.Points) {
			kept = append(kept, s)
		}
	}
	ss = kept
	j.asked.Series = len(ss)
	if j.metric.InstanceLabel != "" {
		takeInstances(j, ss)
	} else {
		switch len(ss) {
		case 0:
			j.asked.Problem = "empty result: no series matched (this side of the metric is nodata)"
		case 1:
			j.series = &ss[0]
			j.asked.Points = realPoints(ss[0].Points)
		default:
			j.err = fmt.Errorf("returned %d series, want one (aggregate them in the query): %s", len(ss), labelSets(ss))
			j.asked.Problem = j.err.Error()
			return
		}
	}
	for _, s := range ss {
		j.asked.NonFinite += countNonFinite(s.Points)
	}
	if j.asked.NonFinite > 0 && j.asked.Problem == "" {
		j.asked.Problem = fmt.Sprintf("%d non-finite values (+Inf, -Inf or beyond float64), kept as sent", j.asked.NonFinite)
	}
}

// allMissing: a series with no point, or only NaN (missing) points, in
// the window is no data (some backends answer every bucket, null where
// nothing matched).
func allMissing(ps []Point) bool {
	for _, p := range ps {
		if !math.IsNaN(p.V) {
			return false
		}
	}
	return true
}

// realPoints counts the points that are not missing (NaN).
func realPoints(ps []Point) int {
	n := 0
	for _, p := range ps {
		if !math.IsNaN(p.V) {
			n++
		}
	}
	return n
}

func labelSets(ss []Series) string {
	sets := make([]string, 0, min(len(ss), 5))
	for _, s := range ss[:min(len(ss), 5)] {
		sets = append(sets, labelString(s.Labels))
	}
	more := ""
	if len(ss) > 5 {
		more = fmt.Sprintf(" and %d more", len(ss)-5)
	}
	return strings.Join(sets, ", ") + more
}

func countNonFinite(ps []Point) int {
	n := 0
	for _, p := range ps {
		if math.IsInf(p.V, 0) {
			n++
		}
	}
	return n
}

// Align keeps the points that lie on the window: stamped in
// [Start+Step, End] (a point summarises the step ending at it), in time
// order, the last of two with one stamp.
func Align(ps []Point, w Window) []Point {
	first := w.Start.Add(w.Step)
	out := make([]Point, 0, len(ps))
	for _, p := range ps {
		if !p.T.Before(first) && !p.T.After(w.End) {
			out = append(out, p)
		}
	}
	slices.SortStableFunc(out, func(a, b Point) int { return a.T.Compare(b.T) })
	dedup := out[:0]
	for i, p := range out {
		if i+1 < len(out) && out[i+1].T.Equal(p.T) {
			continue
		}
		dedup = append(dedup, p)
	}
	return dedup
}

// badInstanceChars are the characters an instance name cannot hold.
var badInstanceChars = regexp.MustCompile(`[^A-Za-z0-9_.:-]`)

// InstanceName turns a label value into an instance name.
func InstanceName(v string) string {
	n := badInstanceChars.ReplaceAllString(v, "_")
	if len(n) > 128 {
		n = n[:128]
	}
	if n != "" && strings.ContainsAny(n[:1], ".:-") {
		n = "_" + n[1:]
	}
	return n
}

// takeInstances keeps a per-instance query's series by instance name, or
// fails the job when a series lacks the label, two series name the same
// instance, or there are more than judge.MaxInstances.
func takeInstances(j *job, ss []Series) {
	label := j.metric.InstanceLabel
	fail := func(format string, args ...any) {
		j.err = fmt.Errorf(format, args...)
		j.asked.Problem = j.err.Error()
	}
	switch {
	case len(ss) == 0:
		j.asked.Problem = "empty result: no series matched (this side of the metric is nodata)"
		return
	case len(ss) > judge.MaxInstances:
		fail("returned %d series, more than the %d instances a metric may have", len(ss), judge.MaxInstances)
		return
	}
	j.byInst = make(map[string]*Series, len(ss))
	from := map[string]string{}
	for i := range ss {
		s := &ss[i]
		v, ok := s.Labels[label]
		name := InstanceName(v)
		switch {
		case !ok || v == "":
			fail("series %s has no label %s (instance_label): group the query by it", labelString(s.Labels), label)
			return
		case from[name] != "":
			fail("series %s and %s both give instance %q: group by %s alone", from[name], labelString(s.Labels), name, label)
			return
		}
		from[name] = labelString(s.Labels)
		j.byInst[name] = s
		j.asked.Points += realPoints(s.Points)
	}
}

// assemble puts one metric's data for one side into sd.
func assemble(sd judge.Side, m judge.Metric, js map[string]*job) {
	if m.InstanceLabel != "" {
		assembleInstances(sd, m, js)
		return
	}
	if m.Kind != judge.KindCount {
		if j := js[""]; j != nil && j.series != nil {
			sd.Series[m.Name] = values(j.series)
		}
		return
	}
	ev, tot := js[PartEvents], js[PartTotal]
	if tot == nil || tot.series == nil {
		return // no totals: nothing to judge on this side
	}
	if ev.series == nil && ev.asked.Query != "" {
		ev.asked.Problem = "empty result: no series matched; counted as 0 events at every point of the totals"
	}
	sd.Counts[m.Name] = pairCounts(ev.series, tot.series)
}

// assembleInstances puts a per-instance metric's data for one side into
// sd: a series per instance, or each instance's events paired with its
// totals (an instance with totals but no events has 0 events; events
// without totals are left out).
func assembleInstances(sd judge.Side, m judge.Metric, js map[string]*job) {
	in := judge.Instances{Series: map[string][]float64{}, Counts: map[string]judge.Count{}}
	if m.Kind != judge.KindCount {
		j := js[""]
		if j == nil || j.byInst == nil {
			return
		}
		for name, s := range j.byInst {
			in.Series[name] = values(s)
		}
		sd.Instances[m.Name] = in
		return
	}
	ev, tot := js[PartEvents], js[PartTotal]
	if tot == nil || tot.byInst == nil {
		return
	}
	var noEvents []string
	for name, ts := range tot.byInst {
		es := ev.byInst[name]
		if es == nil {
			noEvents = append(noEvents, name)
		}
		in.Counts[name] = pairCounts(es, ts)
	}
	if len(noEvents) > 0 {
		slices.Sort(noEvents)
		ev.asked.Problem = fmt.Sprintf("no events series for %d instance(s) (%s); counted as 0 events at every point of their totals", len(noEvents), strings.Join(noEvents, ", "))
	}
	sd.Instances[m.Name] = in
}

// pairCounts pairs events with totals by timestamp, at the totals' points:
// no events series at all is 0 events at every point; an events series
// without a point where the totals have one is a missing point there.
func pairCounts(events, totals *Series) judge.Count {
	byTime := map[time.Time]float64{}
	if events != nil {
		for _, p := range events.Points {
			byTime[p.T.UTC()] = p.V
		}
	}
	c := judge.Count{Events: make([]float64, 0, len(totals.Points)), Total: make([]float64, 0, len(totals.Points))}
	for _, p := range totals.Points {
		e, ok := byTime[p.T.UTC()]
		switch {
		case events == nil:
			e = 0
		case !ok:
			e = math.NaN() // events missing at this point: a missing point
		}
		c.Events = append(c.Events, e)
		c.Total = append(c.Total, p.V)
	}
	return c
}

// values returns a series' values in time order, exactly as sent (NaN is
// a missing point; ±Inf stays, counted in the Asked entry).
func values(s *Series) []float64 {
	xs := make([]float64, len(s.Points))
	for i, p := range s.Points {
		xs[i] = p.V
	}
	return xs
}
