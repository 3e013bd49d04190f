package ui_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/report"
)

// outcome is one release whose report must answer "why" first.
type outcome struct {
	name, id string
	state    string
	lead     string   // the headline's first words
	metrics  []string // the decisive metrics
	windows  []string // the decisive windows' times as the page writes them
	extra    []string // what else the first screen must say
	halted   bool     // the page must show the override calls
}

// outcomesSite is the demo story plus the three outcomes, on a server
// with auth on when auth; t0 is the outcomes' first window.
func outcomesSite(t *testing.T, auth bool) (site, []outcome) {
	t.Helper()
	s := memSite(t, auth)
	t0 := time.Now().Add(-6 * time.Hour).UTC().Truncate(time.Hour)
	o, err := demo.RunOutcomes(context.Background(), s.admin, t0)
	if err != nil {
		t.Fatal(err)
	}
	// Each outcome: one healthy window, then two bad ones (windows 2-3)
	// decide; its first window starts at t0 plus its offset.
	span := func(offset time.Duration) []string {
		at := t0.Add(offset)
		return []string{"2: " + report.SpanText(at.Add(5*time.Minute), at.Add(10*time.Minute)),
			"3: " + report.SpanText(at.Add(10*time.Minute), at.Add(15*time.Minute))}
	}
	errs := []string{"errors", "latency_p99"}
	return s, []outcome{
		{name: "rolled-back", id: o.RolledBack, state: "rolled_back", lead: "Rolled back to " + demo.Baseline + " (a sustained regression)",
			metrics: errs, windows: span(0)},
		{name: "escalated-migration", id: o.Escalated, state: "halted", lead: "Escalated to a human (the migration gate blocked the automatic rollback)",
			metrics: errs, windows: span(time.Hour), extra: []string{"00042_drop_legacy_note counts as contract"}, halted: true},
		{name: "halted", id: o.Halted, state: "halted", lead: "Halted: the deploy tool reports the rollback to " + demo.Baseline + " failed",
			metrics: errs, windows: span(2 * time.Hour), extra: []string{demo.FailureDetail}, halted: true},
	}
}

// goFormatting matches what Go's fmt writes for values no person should
// read: maps, struct pointers, bad verbs, nil, exponents, zero times and
// word lists in brackets ("[errors latency_p99]").
var goFormatting = regexp.MustCompile(`map\[|&\{|%!|<nil>|\d\.?\d*e[+-]\d\d|0001-01-01|\[[A-Za-z_][\w.-]* [A-Za-z_][\w .-]*\]`)

// rawGo returns the Go formatting found in page's text (tags and the SVG
// path data left out), with some context.
func rawGo(body string) []string {
	text := html.UnescapeString(regexp.MustCompile(`(?s)<[^>]*>`).ReplaceAllString(body, " "))
	var out []string
	for _, loc := range goFormatting.FindAllStringIndex(text, 5) {
		out = append(out, text[max(0, loc[0]-60):min(len(text), loc[1]+60)])
	}
	return out
}

// TestWhyFirst: the report of a rolled-back, an escalated (migration) and
// a halted release opens with the cause: the decisive metrics, each
// effect with its interval against the allowance, the windows with their
// start and end times; a halted one shows the exact override calls and
// who may make them. No page carries Go's formatting of values.
func TestWhyFirst(t *testing.T) {
	s, cases := outcomesSite(t, true)
	auth := []string{"Authorization", "Bearer " + adminToken}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := s.get(t, "/ui/releases/"+c.id, auth...)
			p.must(t, 200, `id="why"`, `id="decisive"`)
			why := p.body[strings.Index(p.body, `id="why"`):strings.Index(p.body, `id="timeline"`)]
			text := html.UnescapeString(why)
			for _, want := range append(append(append([]string{c.lead, "allowed at most 1.2", "90 % intervals"}, c.metrics...), c.windows...), c.extra...) {
				if !strings.Contains(text, want) {
					t.Errorf("the page's top lacks %q:\n%s", want, text)
				}
			}
			if !regexp.MustCompile(`\d+\.\d+ \[\d+\.\d+, \d+\.\d+\] in window 3`).MatchString(text) {
				t.Errorf("no effect with its interval for window 3 at the top:\n%s", text)
			}
			if strings.Index(p.body, `id="why"`) > strings.Index(p.body, `id="latest"`) {
				t.Error("the cause comes after the latest decision; it must come first")
			}
			calls := strings.Count(p.body, "/override&#39; -H &#34;Authorization: Bearer $TOKEN&#34;")
			switch {
			case c.halted && (calls != 3 || !strings.Contains(p.body, "operator or admin scope")):
				t.Errorf("%d override calls with the bearer header, want 3 (rollback, resolve, promote) and who may make them", calls)
			case !c.halted && calls != 0:
				t.Errorf("%d override calls on a %s release", calls, c.state)
			}
			if bad := rawGo(p.body); len(bad) > 0 {
				t.Errorf("Go formatting in the page: %q", bad)
			}
		})
	}
	for _, path := range []string{"/ui/", "/ui/services/" + demo.Service, "/ui/services/" + demo.OtherService,
		"/ui/releases/" + s.story.RolledBack, "/ui/releases/" + s.story.Baking} {
		if bad := rawGo(s.get(t, path, auth...).body); len(bad) > 0 {
			t.Errorf("%s: Go formatting in the page: %q", path, bad)
		}
	}
}

// TestReadableCatchesGo: the check above finds what it looks for.
func TestReadableCatchesGo(t *testing.T) {
	for _, bad := range []string{"guard numbers map[blocking:[map[class:incompatible]]]", "count 2.853e+04", "failing [errors latency_p99]",
		"&{x 1}", "%!d(string=x)", "at 0001-01-01 00:00"} {
		if len(rawGo("<p>"+bad+"</p>")) == 0 {
			t.Errorf("%q not caught", bad)
		}
	}
	for _, ok := range []string{"4.364 [3.147, 6.155] in window 3", "28,530 requests", "[errors]", "window 1e"} {
		if got := rawGo("<p>" + ok + "</p>"); len(got) > 0 {
			t.Errorf("%q caught as Go formatting: %q", ok, got)
		}
	}
}

// TestWhyHaltedByHand: a release an operator halted (no analysis asked for
// it) says who halted it and why, and offers the override calls.
func TestWhyHaltedByHand(t *testing.T) {
	s := memSite(t, false)
	if err := s.admin.Do(context.Background(), "POST", "/v1/releases/"+s.story.Baking+"/override",
		map[string]any{"action": "halt", "reason": "customer reports at the help desk"}, nil); err != nil {
		t.Fatal(err)
	}
	p := s.get(t, "/ui/releases/"+s.story.Baking)
	p.must(t, 200, `id="why"`, "Halted by anonymous (“customer reports at the help desk”)", `id="next-steps"`, `id="override-resolve"`)
	if bad := rawGo(p.body); len(bad) > 0 {
		t.Errorf("Go formatting in the page: %q", bad)
	}
}
