package sourcetest

import (
	"maps"
	"math"
	"slices"
	"strings"
	"time"
)

// MOverflow is a metric only the fixture servers answer: 1 at every
// interval but +Inf at every fourth and -Inf at every tenth (what a
// number beyond float64's range reads as), for the non-finite scenario.
const MOverflow = "overflow"

// Select is a backend-neutral reading of a query, which a fixture server
// parses out of its backend's language: which stored series (by name and
// exact label values), grouped by which label, aggregated how.
type Select struct {
	Name    string
	Filters map[string]string
	GroupBy string // "" (one series) or a label (one series per value)
	Agg     string // sum (default), avg, max
	// Exact matches only series whose labels are exactly the filters
	// (CloudWatch's metric stat: a metric is its full set of dimensions).
	Exact bool
}

// Out is one series a fixture answers: its group's labels and one value
// per interval, stamped at the interval's start (NaN: no data there).
type Out struct {
	Labels map[string]string
	T      []time.Time
	V      []float64
}

// Eval answers a Select over [from, to) in intervals of step starting at
// from: every stored series that matches, grouped and aggregated. An
// interval without any data is left out.
func Eval(flat []Base, q Select, from, to time.Time, step time.Duration) []Out {
	groups := map[string][]Base{}
	var order []string
	for _, b := range flat {
		if !matches(b, q) {
			continue
		}
		key := ""
		if q.GroupBy != "" {
			key = b.Labels[q.GroupBy]
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], b)
	}
	if q.Name == MOverflow {
		return overflow(q, from, to, step)
	}
	slices.Sort(order)
	var out []Out
	for _, key := range order {
		o := Out{Labels: common(groups[key])}
		for t := from; t.Before(to); t = t.Add(step) {
			if v, ok := aggregate(groups[key], q.Agg, t, t.Add(step)); ok {
				o.T, o.V = append(o.T, t), append(o.V, v)
			}
		}
		if len(o.T) > 0 {
			out = append(out, o)
		}
	}
	return out
}

func matches(b Base, q Select) bool {
	if b.Name != q.Name {
		return false
	}
	for k, v := range q.Filters {
		if b.Labels[k] != v {
			return false
		}
	}
	return !q.Exact || len(b.Labels) == len(q.Filters)
}

// common keeps the labels every series of a group shares.
func common(bs []Base) map[string]string {
	out := maps.Clone(bs[0].Labels)
	for _, b := range bs[1:] {
		for k, v := range out {
			if b.Labels[k] != v {
				delete(out, k)
			}
		}
	}
	return out
}

// aggregate combines the points of bs in [from, to): each series' points
// summed (avg: averaged) within the interval, then across series.
func aggregate(bs []Base, agg string, from, to time.Time) (float64, bool) {
	var vals []float64
	for _, b := range bs {
		sum, n := 0.0, 0
		for _, p := range b.Points {
			if !p.T.Before(from) && p.T.Before(to) {
				sum, n = sum+p.V, n+1
			}
		}
		if n == 0 {
			continue
		}
		if agg == "avg" {
			sum /= float64(n)
		}
		vals = append(vals, sum)
	}
	if len(vals) == 0 {
		return 0, false
	}
	switch strings.ToLower(agg) {
	case "avg":
		s := 0.0
		for _, v := range vals {
			s += v
		}
		return s / float64(len(vals)), true
	case "max":
		return slices.Max(vals), true
	}
	s := 0.0
	for _, v := range vals {
		s += v
	}
	return s, true
}

func overflow(q Select, from, to time.Time, step time.Duration) []Out {
	o := Out{Labels: maps.Clone(q.Filters)}
	for i, t := 0, from; t.Before(to); i, t = i+1, t.Add(step) {
		v := 1.0
		switch {
		case i%10 == 9:
			v = math.Inf(-1)
		case i%4 == 3:
			v = math.Inf(1)
		}
		o.T, o.V = append(o.T, t), append(o.V, v)
	}
	return []Out{o}
}

// Floor rounds t down to a multiple of step since the Unix epoch, as most
// backends align their buckets.
func Floor(t time.Time, step time.Duration) time.Time {
	return time.Unix(0, t.UnixNano()-t.UnixNano()%int64(step)).UTC()
}
