package datadog

import (
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// readFilters reads a Datadog tag filter list back as the query language
// does (filters split at commas, a filter's tag at its first colon; a
// brace, a space, an operator or a wildcard would change the query).
func readFilters(t *testing.T, s string) map[string]string {
	t.Helper()
	if strings.ContainsAny(s, "{}() !*\"'\\") {
		t.Fatalf("filters %q hold a character that changes the query's structure", s)
	}
	out := map[string]string{}
	for _, f := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(f, ":")
		if !ok {
			t.Fatalf("filter %q has no tag", f)
		}
		out[k] = v
	}
	return out
}

// FuzzFilters: a scope value either reads back exactly as its tag filter,
// or is refused; it never adds a filter or closes the braces.
func FuzzFilters(f *testing.F) {
	for _, seed := range [][2]string{{"checkout", "canary"}, {"a,b:c", "x"}, {"}.rollup(sum,1)", "!x"}, {"v1.2/a-b:c", "*"}, {"", " "}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		got, err := Filters(source.Scope{"app": a, "track": b})
		if err != nil {
			if tagValue.MatchString(a) && tagValue.MatchString(b) {
				t.Fatalf("%q, %q refused: %v", a, b, err)
			}
			return
		}
		back := readFilters(t, got)
		// A value's own colons stay in it: the tag ends at the first.
		if len(back) != 2 || back["app"] != a || back["track"] != b {
			t.Fatalf("values %q, %q read back as %q", a, b, back)
		}
	})
}

func TestRender(t *testing.T) {
	w := sourcekit.Window{Start: time.Unix(0, 0), End: time.Unix(300, 0), Step: 15 * time.Second}
	got, err := Render(`sum:http.requests{code:500,{{scope}}}.as_count().rollup(sum, {{step}})`, source.Scope{"track": "canary", "app": "checkout"}, w)
	if want := `sum:http.requests{code:500,app:checkout,track:canary}.as_count().rollup(sum, 15)`; err != nil || got != want {
		t.Fatalf("Render = %s, %v; want %s", got, err, want)
	}
	if _, err := Render(`x{{{scope}}}`, source.Scope{"app": `a"b`}, w); err == nil || !strings.Contains(err.Error(), "label app") {
		t.Fatalf("err = %v, want the label named", err)
	}
}
