package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

var testLimits = Limits{Default: 16, Key: 10, Fields: map[string]int{"migrations[].sql": 64, "reason": 4, "scopes.*.scope": 32}}

func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		fields     []string // every field named, in order; none = accepted
	}{
		{"clean", `{"service":"shop","migrations":[{"id":"a","sql":"CREATE TABLE t (id int)"}],"n":[1,2.5e3,true,null]}`, nil},
		{"escaped NUL", `{"detail":"x\u0000y"}`, []string{"detail"}},
		{"raw NUL", "{\"detail\":\"x\x00y\"}", []string{"detail"}},
		{"invalid UTF-8", "{\"migrations\":[{\"id\":\"ok\"},{\"id\":\"\xff\xfe\"}]}", []string{"migrations[1].id"}},
		{"lone surrogate", `{"type":"\ud800x"}`, []string{"type"}},
		{"low surrogate", `{"type":"\udc00"}`, []string{"type"}},
		{"surrogate pair", `{"type":"\ud83d\ude00"}`, nil},
		{"escaped backslash before u0000", `{"type":"\\u0000"}`, nil},
		{"nested map key path", `{"canary":{"latency":[1,"\u0000"]}}`, []string{"canary.latency[1]"}},
		{"bad key", "{\"ok\":1,\"a\xff\":2}", []string{"body"}},
		{"long key", `{"abcdefghijk":1}`, []string{"body"}},
		{"too long default", `{"target":"` + strings.Repeat("x", 17) + `"}`, []string{"target"}},
		{"field limit", `{"reason":"abcde"}`, []string{"reason"}},
		{"field limit by pattern", `{"migrations":[{"sql":"` + strings.Repeat("s", 64) + `"},{"sql":"` + strings.Repeat("s", 65) + `"}]}`, []string{"migrations[1].sql"}},
		{"wildcard key", `{"scopes":{"a":{"scope":"` + strings.Repeat("s", 32) + `"},"b.c":{"scope":"` + strings.Repeat("s", 33) + `"}}}`, []string{"scopes.b.c.scope"}},
		{"wildcard needs a key", `{"scopes":{"scope":"` + strings.Repeat("s", 17) + `"}}`, []string{"scopes.scope"}},
		{"escapes count decoded", `{"reason":"\n\n\n\n"}`, nil},
		{"multibyte counts bytes", `{"reason":"éé"}`, nil},
		{"multibyte over", `{"reason":"ééé"}`, []string{"reason"}},
		{"two problems", `{"a":"\u0000","b":"` + strings.Repeat("y", 20) + `"}`, []string{"a", "b"}},
		{"top-level string", `"\u0000"`, []string{"body"}},
		{"malformed left to decoder", `{"a":"\u0000",`, []string{"a"}},
		{"malformed before", `{"a" 1, "b":"\u0000"}`, nil},
		{"unterminated", `{"a":"abc`, nil},
		{"control char", "{\"a\":\"x\ty\"}", []string{"a"}},
		{"empty", ``, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.body), testLimits)
			var got []string
			if v, ok := judge.AsValidation(err); ok {
				for _, p := range v.Problems {
					got = append(got, p.Field)
				}
			} else if err != nil {
				t.Fatalf("error %v is not a validation error", err)
			}
			if strings.Join(got, ",") != strings.Join(tc.fields, ",") {
				t.Fatalf("fields %q, want %q (%v)", got, tc.fields, err)
			}
		})
	}
}

// FuzzCheck: whatever encoding/json accepts and Check passes decodes to
// strings that are valid UTF-8 without NUL; whatever has invalid UTF-8 or
// a NUL inside a valid document is refused. Check never panics.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":"\u0000"}`, "{\"a\":\"\xff\"}", `["\ud800"]`, `{"a":{"b":[1,"c"]}}`, `"x"`, `{"\u0000":1}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		err := Check(body, Limits{})
		if !json.Valid(body) {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		bad := !utf8.Valid(body) || hasNUL(v) || strings.Contains(string(body), `\ud`) || strings.Contains(string(body), `\uD`)
		if err != nil && !bad {
			t.Fatalf("%q refused: %v", body, err)
		}
		if err == nil && (!utf8.Valid(body) || hasNUL(v)) {
			t.Fatalf("%q passed with invalid UTF-8 or a NUL", body)
		}
	})
}

func hasNUL(v any) bool {
	switch x := v.(type) {
	case string:
		return strings.ContainsRune(x, 0)
	case []any:
		for _, e := range x {
			if hasNUL(e) {
				return true
			}
		}
	case map[string]any:
		for k, e := range x {
			if strings.ContainsRune(k, 0) || hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// BenchmarkCheckAnalysis: a 1 MiB analysis body (numbers and a few keys),
// the largest body the API accepts by default.
func BenchmarkCheckAnalysis(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"canary":{"latency_p99":[`)
	for i := 0; sb.Len() < 1<<20; i++ {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString("123.456")
	}
	sb.WriteString(`]},"baseline":{"latency_p99":[1,2,3]}}`)
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if err := Check(body, Limits{Default: 1024, Key: 256}); err != nil {
			b.Fatal(err)
		}
	}
}
