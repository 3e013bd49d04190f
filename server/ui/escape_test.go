package ui

import (
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestEveryNameIsEscaped renders a report in which every name a user
// could choose is markup (the API's validation refuses such metric and
// service names; the page must not depend on it): nothing becomes an
// element, every text comes out escaped, in the HTML and in the charts.
func TestEveryNameIsEscaped(t *testing.T) {
	const evil = `<script>alert(1)</script><img src=x onerror=alert(2)>"' onmouseover="alert(3)`
	v := func(x float64) *float64 { return &x }
	q := report.Quantiles{N: 3, Min: v(1), Q1: v(1.5), Median: v(2), Q3: v(2.5), Max: v(3), Mean: v(2)}
	pt := report.Point{Seq: 1, Value: v(1.1), Lower: v(1), Upper: v(1.2), Level: 0.9, Classification: judge.ClassPass}
	rep := report.Report{
		Release:  store.Release{ID: evil, Service: evil, Target: evil, Version: evil, BaselineVersion: evil, State: judge.StateHalted},
		Headline: evil, Window: 1,
		Windows:  []report.Window{{Seq: 1, Verdict: judge.VerdictPass, Score: v(100), Reason: evil}},
		Timeline: []report.Entry{{Kind: evil, Actor: evil, Detail: evil, Message: evil}},
		Metrics: []report.Metric{{Name: evil, Group: evil, Kind: evil, Measure: evil, Reason: evil, Rule: judge.Rule(evil),
			Allowance: report.Band{Upper: v(1.2), Neutral: 1}, Effect: &pt,
			Distribution: &report.Distribution{Of: "value", Source: "points", Canary: q, Baseline: q},
			Series:       []report.Series{{Name: evil, Label: evil, Points: []report.Point{pt}}}}},
		Gate: report.Gate{Reason: evil, Migrations: []report.Migration{{ID: evil, Effective: judge.CompatContract, Blocks: true,
			Blocking: []judge.MigrationFinding{{SQL: evil, Rule: evil, Reason: evil, Instead: evil}}}}},
		Pages:      []report.Page{{Summary: evil, LastError: evil, Kind: evil}},
		Thresholds: &report.Thresholds{Pass: 80, Marginal: 60},
	}
	u := New(Options{})
	w := httptest.NewRecorder()
	u.render(w, httptest.NewRequest("GET", "/ui/releases/x", nil), 200, view{Name: "report", Title: evil, Data: reportViewOf(rep)})
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	low := strings.ToLower(body)
	for _, bad := range []string{"<script", "<img"} {
		if strings.Contains(low, bad) {
			i := strings.Index(low, bad)
			t.Fatalf("%q made it into the page: …%s…", bad, body[max(0, i-80):min(len(body), i+80)])
		}
	}
	// As a browser parses it: no script or img element, no event-handler
	// attribute (a value that broke out of its quotes would make one).
	doc, err := html.Parse(strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for n := range doc.Descendants() {
		if n.Type != html.ElementNode {
			continue
		}
		if n.Data == "script" || n.Data == "img" {
			t.Fatalf("a %s element in the page", n.Data)
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(strings.ToLower(a.Key), "on") {
				t.Fatalf("<%s> carries %s=%q", n.Data, a.Key, a.Val)
			}
		}
	}
	if n := strings.Count(body, "&lt;script&gt;alert(1)&lt;/script&gt;"); n < 10 {
		t.Errorf("the escaped name appears %d times; want it in every place it was put", n)
	}
}
