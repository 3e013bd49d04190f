package web

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

var window = sourcekit.Window{Start: time.Unix(1000, 0), End: time.Unix(1300, 0), Step: 15 * time.Second}

// FuzzRender: whatever the scope's values, the rendered request reads
// back (url.ParseQuery for the query string, url.PathUnescape for a path
// segment, encoding/json for a body) as exactly those values, with no
// parameter, segment or member added.
func FuzzRender(f *testing.F) {
	for _, seed := range [][2]string{{"checkout", "canary"}, {"a&track=x", "b#c"}, {"../admin?x=1", `"}, "admin": true, "x": {"`}, {"%zz", "\n"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		if !utf8.ValidString(a) || !utf8.ValidString(b) || strings.ContainsRune(a+b, 0) {
			return // refused by source.ValidateScope
		}
		sc := source.Scope{"app": a, "track": b}
		r, err := Render("GET /m/{{scope.app}}/x?{{scope}}&t={{scope.track}}&from={{start}}", sc, window)
		if err != nil {
			t.Fatal(err)
		}
		path, query, _ := strings.Cut(r.Path, "?")
		segs := strings.Split(path, "/")
		seg, err := url.PathUnescape(segs[2])
		if len(segs) != 4 || err != nil || seg != a {
			t.Fatalf("path %q: segments %q, want /m/<app>/x with app %q", path, segs, a)
		}
		q, err := url.ParseQuery(query)
		if err != nil || len(q) != 4 || q.Get("app") != a || q.Get("track") != b || q.Get("t") != b || q.Get("from") != "1000" {
			t.Fatalf("query %q read back as %v (%v)", query, q, err)
		}
		r, err = Render(`POST /m {"scope": {{scope}}, "app": {{scope.app}}}`, sc, window)
		var body map[string]any
		if err != nil || json.Unmarshal([]byte(r.Body), &body) != nil || len(body) != 2 || body["app"] != a {
			t.Fatalf("body %s read back as %v (%v)", r.Body, body, err)
		}
		if s := body["scope"].(map[string]any); len(s) != 2 || s["app"] != a || s["track"] != b {
			t.Fatalf("body scope %v, want %v", s, sc)
		}
	})
}

func TestRenderProblems(t *testing.T) {
	for q, want := range map[string]string{
		"api/x":                        "the path starts with /",
		"GET /x?a={{scope.pod}}":       "no label pod",
		"GET /x/{{scope}}":             "not the path",
		"GET /x?{{scope}} with a body": "has no body",
	} {
		if _, err := Render(q, source.Scope{"app": "a"}, window); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err = %v, want %q", q, err, want)
		}
	}
}

func TestParsePath(t *testing.T) {
	doc := map[string]any{"data": map[string]any{"result": []any{map[string]any{"v": []any{1.0, 2.0}}, map[string]any{"v": []any{3.0}}}}}
	for path, want := range map[string]int{"$.data.result[*]": 2, "data.result[1].v[0]": 1, "$['data']['result'][*].v[*]": 3, "$.nope": 0} {
		p, err := ParsePath(path)
		if err != nil || len(p.Select(doc)) != want {
			t.Errorf("%s: %d nodes (%v), want %d", path, len(p.Select(doc)), err, want)
		}
	}
	for _, bad := range []string{"$.a[", "$.a[x]", "$..a"} {
		if _, err := ParsePath(bad); err == nil {
			t.Errorf("%s parsed", bad)
		}
	}
}
