package judge

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// Samples maps metric names to one side's series. In JSON a point is a
// number, or null / "NaN" for a missing value (NaN, handled by the metric's
// nan_strategy); NaN is written back as null. A Samples value can be passed
// straight to Judge.
type Samples map[string][]float64

// MarshalJSON writes NaN as null and infinities as "+Inf" / "-Inf".
func (s Samples) MarshalJSON() ([]byte, error) {
	out := make(map[string][]any, len(s))
	for k, xs := range s {
		out[k] = nullable(xs)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads samples; problems come back as a *ValidationError
// with paths relative to the object ("latency[3]").
func (s *Samples) UnmarshalJSON(b []byte) error {
	v := &ValidationError{}
	side := parseSide(v, json.RawMessage(b), "")
	for name := range side.Counts {
		v.Add(name, "must be a list of numbers")
	}
	*s = side.Series
	return v.Err()
}

// Input is the offline judge's input: {canary: {...}, baseline: {...}}.
type Input struct {
	Canary   Side `json:"canary"`
	Baseline Side `json:"baseline"`
}

// Request is the body of POST /v1/judge: a policy and both sides' data.
type Request struct {
	Policy   Policy `json:"policy"`
	Canary   Side   `json:"canary"`
	Baseline Side   `json:"baseline"`
}

// ParseInput reads an Input. Every error is a *ValidationError whose paths
// start at the document ("canary.latency[3]").
func ParseInput(data []byte) (Input, error) {
	v := &ValidationError{}
	obj := parseObject(v, data, "input", "canary", "baseline")
	in := Input{Canary: parseSide(v, obj["canary"], "canary"), Baseline: parseSide(v, obj["baseline"], "baseline")}
	return in, v.Err()
}

// ParseRequest reads a POST /v1/judge body. The policy is parsed as
// ParsePolicy does (JSON only here), with paths under "policy."; every
// problem of the policy and of both series comes back in one
// *ValidationError.
func ParseRequest(data []byte) (Request, error) {
	v := &ValidationError{}
	obj := parseObject(v, data, "body", "policy", "canary", "baseline")
	var r Request
	if raw, ok := obj["policy"]; ok && !bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		r.Policy = parsePolicy(raw, v, "policy")
	} else if len(v.Problems) == 0 {
		v.Add("policy", "is required")
	}
	r.Canary = parseSide(v, obj["canary"], "canary")
	r.Baseline = parseSide(v, obj["baseline"], "baseline")
	return r, v.Err()
}

// parseObject decodes a JSON object allowing only the given keys.
func parseObject(v *ValidationError, data []byte, doc string, keys ...string) map[string]json.RawMessage {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil || obj == nil {
		v.Add(doc, "must be a JSON object with "+fmt.Sprint(keys))
		return nil
	}
	allowed := map[string]bool{}
	for _, k := range keys {
		allowed[k] = true
	}
	for _, k := range sortedKeys(obj) {
		if !allowed[k] {
			v.Add(k, "unknown field")
		}
	}
	return obj
}

// parseSamplesFast decodes well-formed input in one pass (numbers and
// nulls only, within limits); anything else goes to the slower path that
// names each bad point.
func parseSamplesFast(raw json.RawMessage) (Samples, bool) {
	var obj map[string][]*float64
	if json.Unmarshal(raw, &obj) != nil {
		return nil, false
	}
	out := make(Samples, len(obj))
	for name, pts := range obj {
		if len(pts) > MaxPoints {
			return nil, false
		}
		xs := make([]float64, len(pts))
		for i, p := range pts {
			if p == nil {
				xs[i] = math.NaN()
			} else {
				xs[i] = *p
			}
		}
		out[name] = xs
	}
	return out, true
}

// parsePoint reads one point: a finite number, null or "NaN".
func parsePoint(p json.RawMessage) (float64, bool) {
	s := string(bytes.TrimSpace(p))
	if s == "null" || s == `"NaN"` {
		return math.NaN(), true
	}
	if x, ok := infinities[s]; ok { // Prometheus writes "+Inf" and "-Inf"
		return x, true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil && !(errors.Is(err, strconv.ErrRange) && math.IsInf(x, 0)) { // JSON strings and literals fail to parse
		return 0, false
	}
	return x, true // a number too large for float64 (1e309) is infinite, and judged as such
}

// infinities are the strings a point may be infinite by (see nonfinite.go).
var infinities = map[string]float64{
	`"+Inf"`: math.Inf(1), `"Inf"`: math.Inf(1), `"-Inf"`: math.Inf(-1),
	`"+Infinity"`: math.Inf(1), `"Infinity"`: math.Inf(1), `"-Infinity"`: math.Inf(-1),
}
