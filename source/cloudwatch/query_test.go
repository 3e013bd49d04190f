package cloudwatch

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcetest"
)

// readConditions reads "k" = 'v' AND ... back as Metrics Insights lexes
// it: a name in double quotes, a string from a quote to the next quote.
func readConditions(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for s != "" {
		if !strings.HasPrefix(s, `"`) {
			t.Fatalf("no name at %q", s)
		}
		end := strings.IndexByte(s[1:], '"')
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

// FuzzRender: in a Metrics Insights statement a value reads back exactly
// or is refused; in a math document it becomes a dimension value exactly,
// whatever it holds.
func FuzzRender(f *testing.F) {
	for _, seed := range [][2]string{{"checkout", "canary"}, {"a' OR '1'='1", "x"}, {`\`, "\n"}, {`"}], "return": "x`, "é"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope
		}
		sc := source.Scope{"app": a, "track": b}
		if got, err := Conditions(sc); err == nil {
			if back := readConditions(t, got); len(back) != 2 || back["app"] != a || back["track"] != b {
				t.Fatalf("values %q, %q read back as %q", a, b, back)
			}
		} else if !strings.ContainsAny(a+b, `'"\`) && !strings.ContainsFunc(a+b, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("%q, %q refused: %v", a, b, err)
		}
		doc, err := Render(`{"queries": [{"id": "m", "namespace": "n", "metric": "x", "stat": "Sum", "dimensions": {"code": "500"}}], "return": "m"}`, sc)
		var m Math
		if err != nil || json.Unmarshal([]byte(doc), &m) != nil || len(m.Queries) != 1 || m.Return != "m" {
			t.Fatalf("math document %s (%v)", doc, err)
		}
		if d := m.Queries[0].Dimensions; len(d) != 3 || d["app"] != a || d["track"] != b || d["code"] != "500" {
			t.Fatalf("dimensions %q, want app %q, track %q, code 500", d, a, b)
		}
	})
}

// The real client pages: the fixture answers 8 datapoints a page, so each
// query of a 20-point window takes three requests, all counted.
func TestPaging(t *testing.T) {
	h := harness()
	url := fixture(t, sourcetest.Dataset(sourcetest.T0()))
	raw, err := Backend{}.Validate(h.Config(sourcetest.Options{URL: url, Timeout: 5e9, Backoff: 1e7, Concurrency: 2}), nil)
	if err != nil {
		t.Fatal(err)
	}
	src, _ := Backend{}.Open("cw", raw)
	from, to := sourcetest.Window(sourcetest.T0())
	ms := h.Policy(t).Metrics[2:3] // cpu
	res, err := src.Fetch(context.Background(), source.Request{Metrics: ms, Canary: source.Scope{"app": sourcetest.AppHealthy, "track": "canary"},
		Baseline: source.Scope{"app": sourcetest.AppHealthy, "track": "baseline"}, Start: from, End: to})
	if err != nil || res.Requests != 6 || len(res.Canary.Series["cpu"]) != 20 {
		t.Fatalf("%d requests, %d canary points (%v): want 2 queries x 3 pages and 20 points", res.Requests, len(res.Canary.Series["cpu"]), err)
	}
}
