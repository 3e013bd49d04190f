package judge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ParsePolicy reads a policy written as JSON (YAML documents are converted
// to JSON first by internal/policyfile, keeping judge free of non-stdlib
// parsers: one schema either way). Order: defaults, decode strictly,
// validate. Every error is a *ValidationError listing every problem with
// its path: unknown fields, wrong types and invalid values alike. The
// returned policy has every default filled in, metrics included.
func ParsePolicy(data []byte) (Policy, error) {
	v := &ValidationError{}
	p := parsePolicy(data, v, "")
	if err := v.Err(); err != nil {
		return Policy{}, err
	}
	return p, nil
}

// parsePolicy appends problems to v with paths under root ("" or "policy").
func parsePolicy(data []byte, v *ValidationError, root string) Policy {
	p := DefaultPolicy()
	doc := root
	if doc == "" {
		doc = "policy"
	}
	if len(bytes.TrimSpace(data)) == 0 {
		v.Add(doc, "is empty")
		return p
	}
	js := data
	var raw any
	dec := json.NewDecoder(bytes.NewReader(js))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		v.Add(doc, "is not valid JSON: "+err.Error())
		return p
	}
	before := len(v.Problems)
	if _, ok := raw.(map[string]any); !ok {
		v.Add(doc, "must be an object")
	} else {
		checkSchema(v, raw, reflect.TypeFor[Policy](), root)
	}
	if len(v.Problems) > before {
		return p
	}
	dec = json.NewDecoder(bytes.NewReader(js))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil { // checkSchema should have caught it
		v.Add(doc, err.Error())
		return p
	}
	prefix := ""
	if root != "" {
		prefix = root + "."
	}
	p.validate(v, prefix)
	return p.withDefaults()
}

var durationType = reflect.TypeFor[Duration]()

// checkSchema walks a decoded JSON value against the Go type it will be
// decoded into and reports every unknown field and type mismatch with its
// path, which encoding/json would stop at (and report without a path).
// JSON null is accepted everywhere: it leaves the default in place.
func checkSchema(v *ValidationError, val any, t reflect.Type, path string) {
	if val == nil {
		return
	}
	at := func(key string) string {
		if path == "" {
			return key
		}
		return path + "." + key
	}
	if t == durationType {
		s, ok := val.(string)
		if _, err := time.ParseDuration(s); !ok || err != nil {
			v.Add(path, `must be a duration string such as "5m" or "1h30m"`)
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkSchema(v, val, t.Elem(), path)
	case reflect.Struct:
		obj, ok := val.(map[string]any)
		if !ok {
			v.Add(path, "must be an object")
			return
		}
		fields := jsonFields(t)
		for _, k := range sortedKeys(obj) {
			f, known := fields[k]
			if !known {
				v.Add(at(k), "unknown field")
				continue
			}
			checkSchema(v, obj[k], f.Type, at(k))
		}
	case reflect.Slice:
		arr, ok := val.([]any)
		if !ok {
			v.Add(path, "must be a list")
			return
		}
		for i, e := range arr {
			checkSchema(v, e, t.Elem(), fmt.Sprintf("%s[%d]", path, i))
		}
	case reflect.Map:
		obj, ok := val.(map[string]any)
		if !ok {
			v.Add(path, "must be an object")
			return
		}
		for _, k := range sortedKeys(obj) {
			checkSchema(v, obj[k], t.Elem(), at(k))
		}
	case reflect.String:
		if _, ok := val.(string); !ok {
			v.Add(path, "must be a string")
		}
	case reflect.Bool:
		if _, ok := val.(bool); !ok {
			v.Add(path, "must be true or false")
		}
	case reflect.Int, reflect.Int64, reflect.Int32:
		n, ok := val.(json.Number)
		if _, err := strconv.ParseInt(string(n), 10, 32); !ok || err != nil {
			v.Add(path, "must be an integer")
		}
	case reflect.Float64:
		n, ok := val.(json.Number)
		if f, err := strconv.ParseFloat(string(n), 64); !ok || err != nil || math.IsInf(f, 0) {
			v.Add(path, "must be a finite number")
		}
	}
}

// jsonFields maps the JSON names of t's exported fields to the fields.
func jsonFields(t reflect.Type) map[string]reflect.StructField {
	out := map[string]reflect.StructField{}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
