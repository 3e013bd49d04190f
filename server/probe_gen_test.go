package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
)

// probe is one hostile request. field, when set, is what a 400 must name
// (the parameter or body field the probe spoiled).
type probe struct {
	op, method, path, body string
	hdr                    []string
	field                  string
}

// Hostile values for path and query parameters (as sent: already
// percent-encoded where they need to be), those most likely to break
// something first (CI sends the first few).
var (
	hostilePath  = []string{"%00", "%ff", strings.Repeat("a", 300), "%C3%28", "..%2F..%2Fetc", "%3Cscript%3E", "%27%3B%20DROP%20TABLE%20x", "%20", "null", "-1"}
	hostileQuery = []string{"%%%", "%00", "%ff", "a;b", strings.Repeat("z", 1100), "-1", "0", "99999999999999999999", "NaN", "%3Cscript%3E", "", "%E2%80"}
)

// hostileBodies are whole bodies no endpoint accepts.
func hostileBodies() []string {
	var utf16le []byte
	for _, u := range utf16.Encode([]rune(`{"a":1}`)) {
		utf16le = append(utf16le, byte(u), byte(u>>8))
	}
	return []string{"{", "[]", "null", "1", `"x"`, `{"a":1}{}`, `{}]`, "\xef\xbb\xbf{}", string(append([]byte{0xff, 0xfe}, utf16le...)),
		`{"x":NaN}`, `{"x":1e999}`, strings.Repeat("[", 20000) + strings.Repeat("]", 20000), `{"` + strings.Repeat("k", 300) + `":1}`,
		"{\"a\":\"\xff\xfe\"}", `{"a":"\u0000"}`, `{"a":1,"a":2}`, "not json at all", "{\"a\":1}\x00"}
}

// hostileValues replace one field of a valid body, those most likely to
// break something first.
var hostileValues = []string{`"\u0000"`, "\"\xff\"", `true`, `-1`, `{}`, `"x"`, `"` + strings.Repeat("w", 5000) + `"`, `[]`,
	`null`, `1e308`, `""`, `"<script>alert(1)</script>"`, `[null]`, `-0.000001`}

// reduced keeps, for CI, the first n hostile values of a list (each list
// is ordered with the ones most likely to break something first).
func reduced(list []string, n int, full bool) []string {
	if full || len(list) <= n {
		return list
	}
	return list[:n]
}

// probesFor builds every hostile request of one operation from the
// matrix's valid request for it; full tries every hostile value and the
// fields of nested objects too.
func probesFor(op string, params openapi3.Parameters, base mreq, full bool) []probe {
	method, tmpl, _ := strings.Cut(op, " ")
	admin := []string{"Authorization", "Bearer " + bootSecret}
	var out []probe
	add := func(path, body, field string, hdr ...string) {
		out = append(out, probe{op: op, method: method, path: path, body: body, field: field, hdr: append(slices.Clone(admin), hdr...)})
	}
	path, query, _ := strings.Cut(base.path, "?")
	// Path parameters: each one spoiled in turn.
	segs, tsegs := strings.Split(path, "/"), strings.Split(tmpl, "/")
	for i, ts := range tsegs {
		if !strings.HasPrefix(ts, "{") || i >= len(segs) {
			continue
		}
		name := strings.Trim(ts, "{}")
		for _, h := range reduced(hostilePath, 6, full) {
			s := slices.Clone(segs)
			s[i] = h
			add(strings.Join(s, "/")+qs(query), base.body, name)
		}
	}
	// Query parameters: the documented ones, cursor and limit, and an
	// undecodable query, each spoiled in turn.
	names := []string{"cursor", "limit"}
	for _, p := range params {
		if p.Value != nil && p.Value.In == openapi3.ParameterInQuery && !slices.Contains(names, p.Value.Name) {
			names = append(names, p.Value.Name)
		}
	}
	for _, n := range names {
		for _, h := range reduced(hostileQuery, 5, full) {
			add(path+"?"+n+"="+h, base.body, n)
		}
	}
	add(path+"?%zz=1", base.body, "query")
	if base.body == "" {
		return out
	}
	for _, b := range hostileBodies() {
		add(path+qs(query), b, "") // any field: the body, or the one it spoils
	}
	for _, ct := range []string{"text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "multipart/form-data"} {
		add(path+qs(query), base.body, "", "Content-Type", ct)
	}
	for _, m := range mutations(base.body, full) {
		add(path+qs(query), m.body, m.field)
	}
	if full {
		for _, b := range byteMutations(op, base.body, 60) {
			add(path+qs(query), b, "")
		}
	}
	return out
}

// byteMutations returns n copies of body with a few bytes deleted,
// inserted or replaced, the same for the same operation on every run (so
// both stores get the very same bodies).
func byteMutations(op, body string, n int) []string {
	h := fnv.New64a()
	h.Write([]byte(op))
	rng := rand.New(rand.NewPCG(h.Sum64(), 20))
	special := []byte("{}[]\",:0-.e\x00\xff\xc3 nt")
	out := make([]string, 0, n)
	for range n {
		b := []byte(body)
		for range 1 + rng.IntN(4) {
			i := rng.IntN(len(b) + 1)
			c := special[rng.IntN(len(special))]
			switch rng.IntN(3) {
			case 0:
				if i < len(b) {
					b = append(b[:i], b[i+1:]...)
				}
			case 1:
				b = append(b[:i], append([]byte{c}, b[i:]...)...)
			default:
				if i < len(b) {
					b[i] = c
				}
			}
		}
		out = append(out, string(b))
	}
	return out
}

func qs(q string) string {
	if q == "" {
		return ""
	}
	return "?" + q
}

type mutation struct{ body, field string }

// mutations spoils a valid JSON body one field at a time: each replaced
// by every hostile value, each required one removed, and an unknown field
// added; full also goes into nested objects and arrays.
func mutations(body string, full bool) []mutation {
	var doc any
	dec := json.NewDecoder(strings.NewReader(body))
	dec.UseNumber()
	if dec.Decode(&doc) != nil {
		return nil
	}
	top, ok := doc.(map[string]any)
	if !ok {
		return nil
	}
	out := []mutation{{body: withField(top, "zz_unknown", json.RawMessage(`1`)), field: "zz_unknown"}}
	depth := 1
	if full {
		depth = 3
	}
	walkFields(doc, "", depth, func(path string, was any, set func(any) any) {
		for _, h := range reduced(hostileValues, 8, full) {
			m := mutation{body: marshal(set(json.RawMessage(h)))}
			if mustName(was, h) {
				m.field = path
			}
			out = append(out, m)
		}
	})
	for _, k := range slices.Sorted(maps.Keys(top)) { // each field removed
		m := maps.Clone(top)
		delete(m, k)
		out = append(out, mutation{body: marshal(m), field: ""})
	}
	return out
}

// mustName reports whether a 400 for a field that held was and now holds
// the hostile JSON h must name that very field: h is text no field takes
// (NUL, invalid UTF-8) or of another JSON type. A value of the same type
// may be refused for what it does to another field (a group no metric is
// in): then any field may be named.
func mustName(was any, h string) bool {
	if h == `"\u0000"` || !utf8.ValidString(h) {
		return true
	}
	return h != "null" && jsonType(was) != jsonType(json.RawMessage(h))
}

func jsonType(v any) string {
	if raw, ok := v.(json.RawMessage); ok {
		switch {
		case len(raw) == 0:
			return "null"
		case raw[0] == '"':
			return "string"
		case raw[0] == '[':
			return "array"
		case raw[0] == '{':
			return "object"
		case raw[0] == 't' || raw[0] == 'f':
			return "bool"
		case raw[0] == 'n':
			return "null"
		}
		return "number"
	}
	switch v.(type) {
	case string:
		return "string"
	case json.Number:
		return "number"
	case bool:
		return "bool"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "null"
}

// walkFields calls f for each field of doc down to depth, with its value
// and a function that returns a copy of the whole document with that field
// set to v.
func walkFields(doc any, prefix string, depth int, f func(path string, was any, set func(any) any)) {
	if depth == 0 {
		return
	}
	switch x := doc.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(x)) {
			path := k
			if prefix != "" {
				path = prefix + "." + k
			}
			f(path, x[k], func(v any) any { c := maps.Clone(x); c[k] = v; return c })
			walkFields(x[k], path, depth-1, func(p string, was any, set func(any) any) {
				f(p, was, func(v any) any { c := maps.Clone(x); c[k] = set(v); return c })
			})
		}
	case []any:
		if len(x) == 0 {
			return
		}
		path := fmt.Sprintf("%s[0]", prefix)
		f(path, x[0], func(v any) any { c := slices.Clone(x); c[0] = v; return c })
		walkFields(x[0], path, depth-1, func(p string, was any, set func(any) any) {
			f(p, was, func(v any) any { c := slices.Clone(x); c[0] = set(v); return c })
		})
	}
}

func withField(m map[string]any, k string, v any) string {
	c := maps.Clone(m)
	c[k] = v
	return marshal(c)
}

// marshal encodes v without escaping <, > and & (the probes want them raw).
func marshal(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}
