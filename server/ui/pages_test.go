package ui_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/demo"
)

// TestPagesRender: with auth off every page is open; the report carries a
// chart of each kind per metric, the timeline, the gate and the pages.
func TestPagesRender(t *testing.T) {
	s := memSite(t, false)
	list := s.get(t, "/ui/")
	list.must(t, 200, "Halted", "Baking", "Recent", s.story.RolledBack, s.story.Baking)
	if ct := list.header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
	if csp := list.header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q: want nothing allowed to run", csp)
	}
	rep := s.get(t, "/ui/releases/"+s.story.RolledBack)
	rep.must(t, 200, "rolled_back", "migration_incompatible", "00042_drop_legacy_note", "drop-column", "Decision timeline",
		`class="chart scores"`)
	for _, m := range []string{"errors", "latency_p99", "cpu"} {
		for _, kind := range []string{"box", "effect", "series"} {
			re := regexp.MustCompile(`<svg [^>]*class="chart ` + kind + `"[^>]*data-metric="` + m + `"`)
			if !re.MatchString(rep.body) {
				t.Errorf("no %s chart of %s", kind, m)
			}
		}
	}
	s.get(t, "/ui/releases/"+s.story.RolledBack+"?window=1").must(t, 200, `data-window="1"`)
	s.get(t, "/ui/services/"+demo.Service).must(t, 200, "Trigger and signal table", "latency_p99", `class="chart scores"`,
		"Freezes in force", "whole interval beyond: rate ratio &gt; 1.2")
	s.get(t, "/ui/?state=rolled_back").must(t, 200, s.story.RolledBack)
	if p := s.get(t, "/ui/?state=halted"); strings.Contains(p.body, s.story.RolledBack) {
		t.Error("the halted filter lists a rolled-back release")
	}
	s.get(t, "/ui/?service=checkout&target=prod-us").must(t, 200, s.story.Baking)
	s.get(t, "/ui/static/style.css").must(t, 200, "font")
	if p := s.get(t, "/ui"); p.status != 301 || p.header.Get("Location") != "/ui/" {
		t.Errorf("/ui: %d to %q, want 301 to /ui/", p.status, p.header.Get("Location"))
	}
}

// TestBadRequestsAndMissing: bad filters are 400 pages, unknown things 404,
// never a 500.
func TestBadRequestsAndMissing(t *testing.T) {
	s := memSite(t, false)
	for path, status := range map[string]int{
		"/ui/?state=nope":                                   400,
		"/ui/?service=Bad%20Name":                           400,
		"/ui/releases/rel_nope":                             404,
		"/ui/releases/" + s.story.RolledBack + "?window=0":  400,
		"/ui/releases/" + s.story.RolledBack + "?window=77": 400,
		"/ui/services/nope":                                 404,
		"/ui/services/%3Cscript%3E":                         400,
		"/ui/nowhere":                                       404,
	} {
		p := s.get(t, path)
		if p.status != status || !strings.Contains(p.body, "<h1>") {
			t.Errorf("%s: %d, want an HTML %d page:\n%.300s", path, p.status, status, p.body)
		}
	}
}

// TestMarkupIsInert: what operators and the SQL classifier wrote is
// shown as text: the override reason holds a script, the migration SQL
// holds "<". No page carries a script element.
func TestMarkupIsInert(t *testing.T) {
	s := memSite(t, false)
	rep := s.get(t, "/ui/releases/"+s.story.RolledBack)
	rep.must(t, 200, `schema reviewed &lt;script&gt;document.title=&#34;pwned&#34;&lt;/script&gt; safe to drop back`)
	for _, p := range []page{rep, s.get(t, "/ui/"), s.get(t, "/ui/services/checkout")} {
		if strings.Contains(strings.ToLower(p.body), "<script") {
			t.Fatalf("a page carries a script element:\n%s", p.body)
		}
	}
}
