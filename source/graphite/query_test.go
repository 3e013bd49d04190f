package graphite

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
)

// readExpressions reads 'tag=value','tag=value' back as Graphite's target
// grammar does: a quoted string ends at the next quote; in a tag
// expression the tag ends at the first '=' and a value starting with '~'
// would make it a regular expression match.
func readExpressions(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		if !strings.HasPrefix(s, "'") {
			t.Fatalf("no quoted expression at %q", s)
		}
		end := strings.IndexByte(s[1:], '\'')
		if end < 0 {
			t.Fatalf("unterminated string at %q", s)
		}
		expr := s[1 : end+1]
		s = s[end+2:]
		k, v, ok := strings.Cut(expr, "=")
		if !ok || strings.HasPrefix(v, "~") || strings.ContainsRune(v, ';') {
			t.Fatalf("expression %q is not an exact tag match", expr)
		}
		out[k] = v
		if s != "" && !strings.HasPrefix(s, ",") {
			t.Fatalf("after %q comes %q", expr, s)
		}
		s = strings.TrimPrefix(s, ",")
	}
	return out
}

// FuzzExpressions: a value reads back as an exact tag match of itself, or
// is refused; it never ends its string or turns into a regex match.
func FuzzExpressions(f *testing.F) {
	for _, seed := range [][2]string{{"checkout", "canary"}, {"~.*", "x"}, {"a','name=~.*", ";"}, {`\`, "a=b"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope
		}
		got, err := Expressions(source.Scope{"app": a, "track": b})
		if err != nil {
			return
		}
		if back := readExpressions(t, got); len(back) != 2 || back["app"] != a || back["track"] != b {
			t.Fatalf("values %q, %q read back as %q", a, b, back)
		}
	})
}
