// Package jsondiff compares JSON documents for golden-file tests.
package jsondiff

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
)

// Diff returns the path of the first difference between two JSON
// documents, numbers compared to a relative 1e-9 (statistics may change in
// the last bits), or "" when they match.
func Diff(a, b []byte) string {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return "(invalid JSON)"
	}
	return valueDiff(x, y, "$")
}

func valueDiff(x, y any, path string) string {
	switch xv := x.(type) {
	case map[string]any:
		yv, ok := y.(map[string]any)
		if !ok || len(xv) != len(yv) {
			return path
		}
		for _, k := range sortedKeys(xv) {
			if d := valueDiff(xv[k], yv[k], path+"."+k); d != "" {
				return d
			}
		}
	case []any:
		yv, ok := y.([]any)
		if !ok || len(xv) != len(yv) {
			return path
		}
		for i := range xv {
			if d := valueDiff(xv[i], yv[i], fmt.Sprintf("%s[%d]", path, i)); d != "" {
				return d
			}
		}
	case float64:
		yv, ok := y.(float64)
		if !ok || math.Abs(xv-yv) > 1e-9*math.Max(1, math.Abs(xv)) {
			return path
		}
	default:
		if x != y {
			return path
		}
	}
	return ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
