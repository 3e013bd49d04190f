package newrelic

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
)

// readConditions reads `k` = 'v' AND ... back as NRQL lexes it: an
// attribute in backticks, a string from a quote to the next quote.
func readConditions(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		if !strings.HasPrefix(s, "`") {
			t.Fatalf("no attribute at %q", s)
		}
		end := strings.IndexByte(s[1:], '`')
		key := s[1 : end+1]
		s = s[end+2:]
		if !strings.HasPrefix(s, " = '") {
			t.Fatalf("no = '...' after %s: %q", key, s)
		}
		s = s[4:]
		q := strings.IndexByte(s, '\'')
		if q < 0 {
			t.Fatalf("unterminated string at %q", s)
		}
		out[key], s = s[:q], s[q+1:]
		if s != "" && !strings.HasPrefix(s, " AND ") {
			t.Fatalf("after %s's value comes %q", key, s)
		}
		s = strings.TrimPrefix(s, " AND ")
	}
	return out
}

// FuzzConditions: a value reads back exactly, or is refused (a quote, a
// backslash, a control character); it never ends its string early.
func FuzzConditions(f *testing.F) {
	for _, seed := range [][2]string{{"checkout", "canary"}, {"a' OR '1'='1", "x"}, {`\`, "\n"}, {"é ☃", " "}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope
		}
		got, err := Conditions(source.Scope{"app": a, "track": b})
		if err != nil {
			if !strings.ContainsAny(a+b, `'\`) && !strings.ContainsFunc(a+b, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("%q, %q refused: %v", a, b, err)
			}
			return
		}
		back := readConditions(t, got)
		if len(back) != 2 || back["app"] != a || back["track"] != b {
			t.Fatalf("values %q, %q read back as %q", a, b, back)
		}
	})
}
