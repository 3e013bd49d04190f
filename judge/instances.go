package judge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"sort"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// Instances as replicates.
//
// A canary is never identical to its baseline: each instance (pod, host)
// runs a little faster or slower than the next, whatever the version. Sent
// as one series per side, such an offset between the canary's instances and
// the baseline's looks like a regression. Sent per instance,
//
//	{"latency_p99": {"instances": {"pod-a": [...], "pod-b": [...]}},
//	 "errors":      {"instances": {"pod-a": {"events": [...], "total": [...]}}}}
//
// each instance's mean (or rate) is one replicate: with two or more
// instances on both sides, a side's estimate is the mean of its instances'
// and its standard error comes from the spread between them (never less
// than the instances' own noise), with k-1 degrees of freedom. The spread
// is reported, and it widens the interval: a healthy canary on a slow
// machine is not a regression.

// MaxInstances bounds the instances one metric may carry on one side.
const MaxInstances = 1000

// Instances is one metric's data per instance on one side: plain series or
// counts (never both).
type Instances struct {
	Series map[string][]float64
	Counts map[string]Count
}

// Len is the number of instances.
func (in Instances) Len() int { return len(in.Series) + len(in.Counts) }

func (in Instances) names() []string {
	out := make([]string, 0, in.Len())
	for k := range in.Series {
		out = append(out, k)
	}
	for k := range in.Counts {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes {"instances": {...}}.
func (in Instances) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, in.Len())
	for k, xs := range in.Series {
		m[k] = nullable(xs)
	}
	for k, c := range in.Counts {
		m[k] = map[string][]any{"events": nullable(c.Events), "total": nullable(c.Total)}
	}
	return json.Marshal(map[string]any{"instances": m})
}

// parseInstances reads {"instances": {name: points | {events, total}}}.
func parseInstances(v *ValidationError, raw json.RawMessage, at string) (Instances, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		v.Add(at, `must be {"instances": {"pod-a": [...], ...}}`)
		return Instances{}, false
	}
	n := len(v.Problems)
	for _, k := range sortedKeys(obj) {
		if k != "instances" {
			v.Add(at+"."+k, "unknown field (a metric sent per instance has only instances)")
		}
	}
	var inst map[string]json.RawMessage
	if err := json.Unmarshal(obj["instances"], &inst); err != nil || inst == nil {
		v.Add(at+".instances", "must be an object mapping instance names to their points")
		return Instances{}, false
	}
	if len(inst) == 0 || len(inst) > MaxInstances {
		v.Add(at+".instances", fmt.Sprintf("must name 1 to %d instances (has %d)", MaxInstances, len(inst)))
	}
	out := Instances{Series: map[string][]float64{}, Counts: map[string]Count{}}
	for _, name := range sortedKeys(inst) {
		f := at + ".instances." + name
		if !nameRE.MatchString(name) {
			v.Add(f, "instance name "+nameRule)
			continue
		}
		val := bytes.TrimSpace(inst[name])
		if len(val) > 0 && val[0] == '{' {
			if c, ok := parseCount(v, val, f); ok {
				out.Counts[name] = c
			}
		} else if xs, ok := parsePoints(v, val, f); ok {
			out.Series[name] = xs
		}
	}
	if len(out.Series) > 0 && len(out.Counts) > 0 {
		v.Add(at+".instances", "instances must all be series or all be {events, total}")
	}
	return out, len(v.Problems) == n
}

// validateInstances checks one metric's instances against its kind.
func validateInstances(v *ValidationError, field, kind string, in Instances) {
	switch {
	case kind == KindCount && len(in.Series) > 0:
		v.Add(field, `is a count metric: send each instance as {"events": [...], "total": [...]}`)
		return
	case kind != KindCount && len(in.Counts) > 0:
		v.Add(field, fmt.Sprintf("is a %s metric: send each instance as a plain list of numbers", kind))
		return
	}
	for _, name := range in.names() {
		f := field + ".instances." + name
		if xs, ok := in.Series[name]; ok {
			checkPoints(v, f, xs, kind)
			continue
		}
		validateCount(v, f, in.Counts[name])
	}
}

// flatten joins a metric's instances into one series (in instance-name
// order) or one count: what a side looks like judged as a whole.
func (in Instances) flatten() ([]float64, Count) {
	var xs []float64
	var c Count
	for _, name := range in.names() {
		xs = append(xs, in.Series[name]...)
		c.Events = append(c.Events, in.Counts[name].Events...)
		c.Total = append(c.Total, in.Counts[name].Total...)
	}
	return xs, c
}

// replicate is one instance's estimate and the variance of that estimate.
type replicate struct {
	name      string
	est, v    float64
	summary   SideSummary
	hasPoints bool
}

// replicates estimates each instance of one side (plain series after m's
// NaN handling and outliers; counts as rates on effective counts).
func replicates(m Metric, in Instances) []replicate {
	var out []replicate
	for _, name := range in.names() {
		r := replicate{name: name}
		if xs, ok := in.Series[name]; ok {
			_, fin, _, _ := preprocess(xs, m)
			mo := stats.MomentsOf(fin)
			r.est, r.v, r.hasPoints = mo.Mean, mo.SE*mo.SE, mo.N >= 2
			r.summary = SideSummary{N: mo.N, Mean: finiteOr0(mo.Mean), SE: mo.SE, NEff: mo.NEff}
		} else {
			sc, _ := countsOf(in.Counts[name])
			x, n := sc.Effective()
			r.est, r.hasPoints = sc.Rate(), sc.Total > 0
			if n > 0 {
				r.v = (x + 0.5) / (n * n) // Poisson variance of the effective rate
			}
			r.summary = SideSummary{N: sc.Points, Events: sc.Events, Total: sc.Total, Scale: sc.Scale}
		}
		if r.hasPoints {
			out = append(out, r)
		}
	}
	return out
}

// replicateMoments is a side's estimate from its instances: the mean of
// their estimates, the standard error from their spread (at least their
// own noise), and k effective points (k-1 degrees of freedom).
func replicateMoments(rs []replicate) (stats.Moments, float64) {
	k := float64(len(rs))
	mean, within := 0.0, 0.0
	for _, r := range rs {
		mean += r.est
		within += r.v
	}
	mean /= k
	within /= k
	ss := 0.0
	for _, r := range rs {
		ss += (r.est - mean) * (r.est - mean)
	}
	spread := math.Sqrt(ss / (k - 1))
	se := math.Sqrt(max(spread*spread, within) / k)
	return stats.Moments{N: len(rs), Mean: mean, SD: spread, NEff: k, SE: se}, spread
}

func finiteOr0(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}
