package server_test

import (
	"testing"
	"unicode/utf16"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestPolicyJSONIsStrict: a policy sent as application/json (or with no
// Content-Type) is JSON held to every other body's strictness: trailing
// garbage, a second value, a byte order mark and UTF-16 are a 400 naming
// the body, and nothing is stored. The same valid document is accepted as
// JSON, and YAML is read only when the Content-Type says so.
func TestPolicyJSONIsStrict(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		doc := testPolicy(2, "")
		var utf16le []byte
		for _, u := range utf16.Encode([]rune(doc)) {
			utf16le = append(utf16le, byte(u), byte(u>>8))
		}
		bad := []struct {
			name string
			body []byte
		}{
			{"trailing garbage", []byte(doc + " garbage")},
			{"two values", []byte(doc + doc)},
			{"a stray brace", []byte(doc + "}")},
			{"byte order mark", append([]byte("\xef\xbb\xbf"), doc...)},
			{"UTF-16", append([]byte{0xff, 0xfe}, utf16le...)},
			{"YAML sent as JSON", []byte("metrics:\n  - {name: a, group: g, direction: increase}\n")},
			{"an array", []byte(`[` + doc + `]`)},
		}
		before := snapshot(t, st)
		for _, c := range bad {
			for _, ct := range []string{"application/json", "application/json; charset=utf-8", ""} {
				r := call(t, s.srv, "PUT", "/v1/services/web/policy", c.body, "Content-Type", ct)
				if p := problemOf(t, r); r.StatusCode != 400 || (!hasField(p.Errors, "body") && !hasField(p.Errors, "policy")) {
					t.Errorf("%s as %q: %d %+v, want 400 naming the body", c.name, ct, r.StatusCode, p)
				}
			}
		}
		if after := snapshot(t, st); after != before {
			t.Errorf("refused policies changed the store:\n%s\n%s", before, after)
		}
		mustStatus(t, call(t, s.srv, "PUT", "/v1/services/web/policy", doc+"\n\t ", "Content-Type", "application/json"), 201)
		yaml := "metrics:\n  - {name: a, group: g, direction: increase}\n"
		mustStatus(t, call(t, s.srv, "PUT", "/v1/services/web/policy", yaml, "Content-Type", "application/yaml"), 200)
		r := call(t, s.srv, "PUT", "/v1/services/web/policy", doc, "Content-Type", "text/plain")
		if p := problemOf(t, r); r.StatusCode != 415 {
			t.Errorf("text/plain: %d %+v, want 415", r.StatusCode, p)
		}
	})
}
