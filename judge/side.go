package judge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
)

// Count is one count metric's data on one side of a window: events out of
// a total per point (e.g. 5xx responses out of requests). A null point is
// a point without data.
type Count struct {
	Events []float64 `json:"events"`
	Total  []float64 `json:"total"`
}

// Side is one side's data of a window: a plain series per metric, and the
// events and totals of count metrics. In JSON both share one object:
//
//	{"latency_p99": [0.31, 0.29, null], "errors": {"events": [0, 1], "total": [52, 48]}}
type Side struct {
	Series Samples
	Counts map[string]Count
	// Instances holds metrics sent per instance ({"instances": {...}}):
	// metric name -> its instances. See instances.go.
	Instances map[string]Instances
}

// Empty reports whether the side carries no metric at all.
func (s Side) Empty() bool { return len(s.Series) == 0 && len(s.Counts) == 0 && len(s.Instances) == 0 }

// plain returns metric name's plain series, its instances joined if it was
// sent per instance.
func (s Side) plain(name string) []float64 {
	if in, ok := s.Instances[name]; ok {
		xs, _ := in.flatten()
		return xs
	}
	return s.Series[name]
}

// count returns metric name's counts, its instances joined if it was sent
// per instance.
func (s Side) count(name string) Count {
	if in, ok := s.Instances[name]; ok {
		_, c := in.flatten()
		return c
	}
	return s.Counts[name]
}

// MarshalJSON writes both kinds of metric in one object.
func (s Side) MarshalJSON() ([]byte, error) {
	out := make(map[string]any, len(s.Series)+len(s.Counts))
	for k, xs := range s.Series {
		out[k] = nullable(xs)
	}
	for k, c := range s.Counts {
		out[k] = map[string][]any{"events": nullable(c.Events), "total": nullable(c.Total)}
	}
	for k, in := range s.Instances {
		out[k] = in
	}
	return json.Marshal(out)
}

// nullable writes points as JSON: NaN as null, infinities as "+Inf" and
// "-Inf" (so a stored window keeps them), the rest as numbers.
func nullable(xs []float64) []any {
	ps := make([]any, len(xs))
	for i, x := range xs {
		switch {
		case math.IsInf(x, 1):
			ps[i] = "+Inf"
		case math.IsInf(x, -1):
			ps[i] = "-Inf"
		case !math.IsNaN(x):
			ps[i] = x
		}
	}
	return ps
}

// UnmarshalJSON reads a side; problems come back as a *ValidationError
// with paths relative to the object ("errors.events[3]").
func (s *Side) UnmarshalJSON(b []byte) error {
	v := &ValidationError{}
	*s = parseSide(v, json.RawMessage(b), "")
	return v.Err()
}

// parseSide decodes a side: arrays are plain series, objects count metrics.
func parseSide(v *ValidationError, raw json.RawMessage, path string) Side {
	out := Side{Series: Samples{}, Counts: map[string]Count{}}
	if len(raw) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return out
	}
	if fast, ok := scanSamples(raw); ok {
		out.Series = fast
		return out
	}
	if fast, ok := parseSamplesFast(raw); ok {
		out.Series = fast
		return out
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		v.Add(path, "must be an object mapping metric names to a list of numbers, or to {events, total} for a count metric")
		return out
	}
	for _, name := range sortedKeys(obj) {
		at := joinPath(path, name)
		val := bytes.TrimSpace(obj[name])
		if len(val) > 0 && val[0] == '{' && hasKey(val, "instances") {
			if in, ok := parseInstances(v, val, at); ok {
				if out.Instances == nil {
					out.Instances = map[string]Instances{}
				}
				out.Instances[name] = in
			}
			continue
		}
		if len(val) > 0 && val[0] == '{' {
			if c, ok := parseCount(v, val, at); ok {
				out.Counts[name] = c
			}
			continue
		}
		if xs, ok := parsePoints(v, val, at); ok {
			out.Series[name] = xs
		}
	}
	return out
}

// hasKey reports whether a JSON object has key k at its top level. An
// object without the quoted key anywhere (nor any escape that could spell
// it) cannot have it: most count metrics are answered without decoding.
func hasKey(raw json.RawMessage, k string) bool {
	if !bytes.Contains(raw, []byte(`"`+k+`"`)) && bytes.IndexByte(raw, '\\') < 0 {
		return false
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(raw, &obj) != nil {
		return false
	}
	_, ok := obj[k]
	return ok
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// parseCount reads {"events": [...], "total": [...]}.
func parseCount(v *ValidationError, raw json.RawMessage, at string) (Count, bool) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		v.Add(at, `a count metric must be {"events": [...], "total": [...]}`)
		return Count{}, false
	}
	n := len(v.Problems)
	for _, k := range sortedKeys(obj) {
		if k != "events" && k != "total" {
			v.Add(at+"."+k, "unknown field (a count metric has events and total)")
		}
	}
	ev, okE := parsePoints(v, obj["events"], at+".events")
	tot, okT := parsePoints(v, obj["total"], at+".total")
	switch {
	case obj["events"] == nil:
		v.Add(at+".events", "is required for a count metric")
	case obj["total"] == nil:
		v.Add(at+".total", "is required for a count metric")
	case okE && okT && len(ev) != len(tot):
		v.Add(at, fmt.Sprintf("events has %d points and total %d; they must pair up", len(ev), len(tot)))
	}
	return Count{Events: ev, Total: tot}, len(v.Problems) == n
}

// parsePoints reads one list of points (numbers, null or "NaN").
func parsePoints(v *ValidationError, raw json.RawMessage, at string) ([]float64, bool) {
	if raw == nil {
		return nil, false
	}
	var pts []json.RawMessage
	if err := json.Unmarshal(raw, &pts); err != nil {
		v.Add(at, "must be a list of numbers (null for a missing point)")
		return nil, false
	}
	if len(pts) > MaxPoints {
		v.Add(at, fmt.Sprintf("must have at most %d points (has %d)", MaxPoints, len(pts)))
		return nil, false
	}
	xs := make([]float64, len(pts))
	bad := 0
	for i, p := range pts {
		x, ok := parsePoint(p)
		if !ok {
			if bad < maxPointErrors {
				v.Add(fmt.Sprintf("%s[%d]", at, i), `must be a number, or null / "NaN" for a missing value ("+Inf" / "-Inf" for an infinite one)`)
			}
			bad++
		}
		xs[i] = x
	}
	if bad > maxPointErrors {
		v.Add(at, fmt.Sprintf("%d more invalid values", bad-maxPointErrors))
	}
	return xs, bad == 0
}

// validateSide checks a side against the policy: every metric known, sent
// in the shape its kind needs, with values its kind allows.
func validateSide(v *ValidationError, p Policy, side string, s Side) {
	kinds := make(map[string]string, len(p.Metrics))
	for _, m := range p.Metrics {
		kinds[m.Name] = m.Kind
	}
	for _, name := range sortedKeys(s.Series) {
		field := side + "." + name
		kind, known := kinds[name]
		switch {
		case !known:
			v.Add(field, "no metric of that name in the policy")
		case kind == KindCount:
			v.Add(field, `is a count metric: send {"events": [...], "total": [...]}, not a plain series`)
		default:
			checkPoints(v, field, s.Series[name], kind)
		}
	}
	for _, name := range sortedKeys(s.Instances) {
		field := side + "." + name
		kind, known := kinds[name]
		_, dupS := s.Series[name]
		_, dupC := s.Counts[name]
		switch {
		case !known:
			v.Add(field, "no metric of that name in the policy")
		case dupS || dupC:
			v.Add(field, "sent both per instance and as a whole")
		default:
			validateInstances(v, field, kind, s.Instances[name])
		}
	}
	for _, name := range sortedKeys(s.Counts) {
		field := side + "." + name
		kind, known := kinds[name]
		c := s.Counts[name]
		switch {
		case !known:
			v.Add(field, "no metric of that name in the policy")
		case kind != KindCount:
			v.Add(field, fmt.Sprintf("is a %s metric: send a plain list of numbers (events and totals are for kind count)", kind))
		default:
			validateCount(v, field, c)
		}
	}
}

// validateCount checks one count (a side's, or one instance's): events
// and totals pair up, are counts, and no point has more events than total.
func validateCount(v *ValidationError, field string, c Count) {
	if len(c.Events) != len(c.Total) {
		v.Add(field, fmt.Sprintf("events has %d points and total %d; they must pair up", len(c.Events), len(c.Total)))
		return
	}
	checkPoints(v, field+".events", c.Events, KindCount)
	checkPoints(v, field+".total", c.Total, KindCount)
	checkEventsWithinTotal(v, field, c)
}

// checkPoints rejects values a metric of kind cannot take (NaN is a
// missing point and always allowed).
func checkPoints(v *ValidationError, field string, xs []float64, kind string) {
	if len(xs) > MaxPoints {
		v.Add(field, fmt.Sprintf("must have at most %d points (has %d)", MaxPoints, len(xs)))
		return
	}
	bad := 0
	for i, x := range xs {
		msg := ""
		switch {
		case math.IsNaN(x) || math.IsInf(x, 0): // missing (nan_strategy) or unrepresentable (nonfinite.go)
		case x < 0 && kind != KindGauge:
			msg = fmt.Sprintf("must not be negative: a %s metric cannot be (got %g)", kind, x)
		case x > 1 && kind == KindRatio:
			msg = fmt.Sprintf("must be at most 1: a ratio metric is a share (got %g; send percentages divided by 100)", x)
		}
		if msg != "" {
			if bad < maxPointErrors {
				v.Add(fmt.Sprintf("%s[%d]", field, i), msg)
			}
			bad++
		}
	}
	if bad > maxPointErrors {
		v.Add(field, fmt.Sprintf("%d more invalid values", bad-maxPointErrors))
	}
}

func checkEventsWithinTotal(v *ValidationError, field string, c Count) {
	bad := 0
	for i := range c.Events {
		if c.Events[i] > c.Total[i] && !math.IsInf(c.Events[i], 0) && !math.IsInf(c.Total[i], 0) { // false when either is NaN
			if bad < maxPointErrors {
				v.Add(fmt.Sprintf("%s.events[%d]", field, i), fmt.Sprintf("must not exceed total[%d] (%g events out of %g)", i, c.Events[i], c.Total[i]))
			}
			bad++
		}
	}
}
