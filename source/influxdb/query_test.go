package influxdb

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// scanString reads an InfluxQL string literal at the start of s by the
// language's lexing rule (influxql scanner: a quote ends it; a backslash
// escapes n, \, ' or "; any other escape, a raw newline or the end of
// input is an error) and returns its value and the rest. It is the fuzz
// test's oracle, written from the grammar, not from Literal.
func scanString(s string) (val, rest string, ok bool) {
	if !strings.HasPrefix(s, "'") {
		return "", s, false
	}
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		switch c := s[i]; c {
		case '\n':
			return "", s, false
		case '\'':
			return b.String(), s[i+1:], true
		case '\\':
			if i+1 >= len(s) {
				return "", s, false
			}
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case '\\', '\'', '"':
				b.WriteByte(s[i])
			default:
				return "", s, false
			}
		default:
			b.WriteByte(c)
		}
	}
	return "", s, false
}

// parseConditions reads "k" = 'v' AND "k" = 'v' back.
func parseConditions(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		if !strings.HasPrefix(s, `"`) {
			t.Fatalf("no identifier at %q", s)
		}
		end := strings.Index(s[1:], `"`)
		key := s[1 : end+1]
		s = s[end+2:]
		if !strings.HasPrefix(s, " = ") {
			t.Fatalf("no ' = ' after %s: %q", key, s)
		}
		val, rest, ok := scanString(s[3:])
		if !ok {
			t.Fatalf("bad string literal at %q", s[3:])
		}
		out[key] = val
		if rest != "" && !strings.HasPrefix(rest, " AND ") {
			t.Fatalf("after %s's value comes %q, want AND or the end", key, rest)
		}
		s = strings.TrimPrefix(rest, " AND ")
	}
	return out
}

// FuzzConditions: whatever the tag values, the rendered conditions read
// back as exactly those tags and values, and nothing else.
func FuzzConditions(f *testing.F) {
	for _, seed := range [][2]string{{`'`, `\`}, {`\'`, `' OR 1=1 --`}, {"a\nb", `"`}, {"", "x"}, {`it's`, `\\'`}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope before any query is built
		}
		got := parseConditions(t, Conditions(source.Scope{"app": a, "track": b}))
		if len(got) != 2 || got["app"] != a || got["track"] != b {
			t.Fatalf("values %q, %q read back as %q", a, b, got)
		}
	})
}

func TestRender(t *testing.T) {
	t0 := time.Unix(1_700_000_003, 0)
	w := sourcekit.Window{Start: t0, End: t0.Add(5 * time.Minute), Step: 15 * time.Second}
	got := Render(`SELECT mean("value") FROM "cpu" WHERE {{scope}} AND {{timeFilter}} GROUP BY time({{interval}})`, source.Scope{"app": "it's"}, w)
	want := `SELECT mean("value") FROM "cpu" WHERE "app" = 'it\'s' AND time >= 1700000003000ms AND time < 1700000303000ms GROUP BY time(15000ms, 8000ms)`
	if got != want {
		t.Fatalf("Render =\n%s\nwant\n%s", got, want)
	}
}
