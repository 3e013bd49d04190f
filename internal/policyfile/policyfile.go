// Package policyfile reads policy documents written as JSON or YAML. YAML
// is converted to JSON and then parsed by judge.ParsePolicy, so both share
// one strict schema; keeping the YAML library here keeps judge pure.
package policyfile

import (
	"bytes"
	"fmt"
	"math"
	"sort"

	"sigs.k8s.io/yaml"
	goyaml "sigs.k8s.io/yaml/goyaml.v2"

	"github.com/canaryjudge/canaryjudge/internal/jsontext"
	"github.com/canaryjudge/canaryjudge/judge"
)

// Parse reads a JSON or YAML policy. Every error is a
// *judge.ValidationError naming the field.
func Parse(data []byte) (judge.Policy, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 || trimmed[0] == '{' {
		if err := checkText(data); err != nil {
			return judge.Policy{}, err
		}
		return judge.ParsePolicy(data) // JSON: no conversion, exact numbers
	}
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		v := &judge.ValidationError{}
		if paths := nonFinitePaths(data); len(paths) > 0 {
			for _, p := range paths {
				v.Add(p, "must be a finite number (NaN and infinities are not allowed)")
			}
			return judge.Policy{}, v
		}
		v.Add("policy", "is not valid JSON or YAML: "+err.Error())
		return judge.Policy{}, v
	}
	if err := checkText(js); err != nil {
		return judge.Policy{}, err
	}
	return judge.ParsePolicy(js)
}

// checkText refuses NUL, invalid UTF-8 and over-long strings by field,
// whether they came as JSON or as YAML (checked after conversion: YAML's
// "\0" escape becomes a JSON \u0000).
func checkText(js []byte) error {
	return jsontext.Check(js, jsontext.Limits{Default: judge.DefaultTextLimit, Key: judge.KeyTextLimit, Fields: judge.PolicyTextLimits})
}

// nonFinitePaths finds YAML's .nan and .inf values, which JSON cannot
// carry, so that they are reported at their paths.
func nonFinitePaths(data []byte) []string {
	var doc any
	if goyaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	var walk func(val any, path string)
	walk = func(val any, path string) {
		switch x := val.(type) {
		case float64:
			if math.IsNaN(x) || math.IsInf(x, 0) {
				out = append(out, path)
			}
		case []any:
			for i, e := range x {
				walk(e, fmt.Sprintf("%s[%d]", path, i))
			}
		case map[any]any:
			keys := make([]string, 0, len(x))
			byKey := make(map[string]any, len(x))
			for k, e := range x {
				ks := fmt.Sprint(k)
				keys = append(keys, ks)
				byKey[ks] = e
			}
			sort.Strings(keys)
			for _, k := range keys {
				if path == "" {
					walk(byKey[k], k)
				} else {
					walk(byKey[k], path+"."+k)
				}
			}
		}
	}
	walk(doc, "")
	return out
}
