package prometheus

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
)

// scanPromString reads a double-quoted PromQL string literal at the start
// of s by PromQL's lexing rule (a backslash takes the next character with
// it; an unescaped quote ends the string; a raw newline or the end of input
// is an error) and returns the literal and the rest. It is the oracle of
// the fuzz test: written from the grammar, not from Matchers.
func scanPromString(s string) (lit, rest string, ok bool) {
	if !strings.HasPrefix(s, `"`) {
		return "", s, false
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '\n':
			return "", s, false
		case '"':
			return s[:i+1], s[i+1:], true
		}
	}
	return "", s, false
}

// parseMatchers reads name="value",name="value" back as PromQL would.
func parseMatchers(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			t.Fatalf("no name= at %q", s)
		}
		name := s[:eq]
		lit, rest, ok := scanPromString(s[eq+1:])
		if !ok {
			t.Fatalf("unterminated string literal at %q", s[eq+1:])
		}
		val, err := strconv.Unquote(lit)
		if err != nil {
			t.Fatalf("literal %s does not unquote: %v", lit, err)
		}
		out[name] = val
		s = strings.TrimPrefix(rest, ",")
		if rest != "" && !strings.HasPrefix(rest, ",") {
			t.Fatalf("after %s comes %q, want a comma or the end", lit, rest)
		}
	}
	return out
}

func TestMatchersEscape(t *testing.T) {
	cases := []source.Scope{
		{"app": "checkout", "track": "canary"},
		{"app": `x"}`, "job": `a\`},
		{"app": "\"} or vector(1) or {__name__=~\".*\""},
		{"v": "line\nbreak\ttab", "w": "é ☃ \u2028", "x": `\\"`},
	}
	for _, sc := range cases {
		q := Render(`sum(rate(http_requests_total{job="web",{{scope}}}[{{step}}]))`, sc, 15*time.Second)
		inner := strings.TrimSuffix(strings.TrimPrefix(q, `sum(rate(http_requests_total{job="web",`), `}[15s]))`)
		if !strings.HasPrefix(q, `sum(rate(http_requests_total{job="web",`) || !strings.HasSuffix(q, `}[15s]))`) {
			t.Fatalf("render changed the query around the scope: %s", q)
		}
		got := parseMatchers(t, inner)
		if len(got) != len(sc) {
			t.Fatalf("%s: read back %v, want %v", q, got, sc)
		}
		for k, v := range sc {
			if got[k] != v {
				t.Fatalf("%s: %s read back as %q, want %q", q, k, got[k], v)
			}
		}
	}
}

// FuzzMatchers: whatever the label values, the rendered selector reads back
// as exactly those matchers and nothing else: no value can close the
// string, the selector or the query.
func FuzzMatchers(f *testing.F) {
	for _, seed := range [][2]string{{`"`, `}`}, {`\`, `\"`}, {"a\nb", "\x7f"}, {`"} or vector(1) #`, `{`}, {"", "x"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		sc := source.Scope{"app": a, "track": b}
		v := source.Scope{}
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope before any query is built
		}
		q := Render(`up{ {{scope}} }`, sc, time.Second)
		if !strings.HasPrefix(q, "up{ ") || !strings.HasSuffix(q, " }") {
			t.Fatalf("render changed the query around the scope: %q", q)
		}
		for k, val := range parseMatchers(t, q[len("up{ "):len(q)-len(" }")]) {
			v[k] = val
		}
		if len(v) != 2 || v["app"] != a || v["track"] != b {
			t.Fatalf("values %q, %q read back as %q", a, b, v)
		}
	})
}

func TestCheckMetrics(t *testing.T) {
	ms := samplePolicy().Metrics
	if err := (Backend{}).CheckMetrics(ms); err != nil {
		t.Fatalf("example policy refused: %v", err)
	}
	ms[0].TotalQuery = "sum(x)"
	ms[1].Query = `histogram_quantile(0.99, x{job="a"})`
	err := (Backend{}).CheckMetrics(ms)
	if err == nil || !strings.Contains(err.Error(), "policy.metrics[0].total_query") || !strings.Contains(err.Error(), "policy.metrics[1].query") {
		t.Fatalf("err = %v, want total_query of metrics[0] and query of metrics[1] named", err)
	}
}
