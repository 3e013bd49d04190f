package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// demoStack is a server with the SQL classifier playing the demo story,
// its pages delivered to a webhook.
func demoStack(t *testing.T, st store.Full) (stack, demo.Story) {
	t.Helper()
	c := newClock()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry(),
		Now: c.Now, Classifier: sqlcheck.Classifier{}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	var hooks atomic.Int32
	sink := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hooks.Add(1) }))
	t.Cleanup(sink.Close)
	ctx := context.Background()
	story, err := demo.Run(ctx, demo.Client{URL: srv.URL}, sink.URL, c.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	d := notify.New(st, notify.Options{Now: c.Now, Registerer: prometheus.NewRegistry()})
	for range 10 { // one message per sink per tick
		if n, err := d.Tick(ctx); err != nil || n == 0 {
			break
		}
	}
	if hooks.Load() == 0 {
		t.Fatal("the webhook got nothing: the story pages on its escalation")
	}
	return stack{srv: srv, h: h, clock: c}, story
}

// TestReport: the report of a release that escalated on its migration
// and was rolled back by a human says so in every part.
func TestReport(t *testing.T) {
	s, story := demoStack(t, memory.New())
	r := call(t, s.srv, "GET", "/v1/releases/"+story.RolledBack+"/report", nil)
	mustStatus(t, r, 200)
	rep := decode[report.Report](t, r)
	if rep.Release.State != "rolled_back" || rep.Latest == nil || rep.Latest.Reason != "rollback_completed" {
		t.Fatalf("state %s, latest %+v; want rolled_back after rollback_completed", rep.Release.State, rep.Latest)
	}
	n := len(story.Decisions)
	if len(rep.Windows) != n || rep.Window != n {
		t.Fatalf("%d windows, showing %d; want %d, the newest", len(rep.Windows), rep.Window, n)
	}
	last := rep.Windows[n-1]
	if iv := last.Intervention; iv == nil || iv.Guard != "migration_incompatible" || iv.Wanted != "rollback" || iv.Got != "escalate" {
		t.Fatalf("last window's intervention %+v; want the migration gate turning rollback into escalate", iv)
	}
	var kinds []string
	for _, e := range rep.Timeline {
		kinds = append(kinds, e.Kind)
	}
	want := append(append([]string{"created"}, slices.Repeat([]string{"window"}, n)...), "override", "event")
	if !slices.Equal(kinds, want) {
		t.Fatalf("timeline %v, want %v", kinds, want)
	}
	if ov := rep.Timeline[n+1]; ov.Detail != demo.Evil || ov.StateFrom != "halted" || ov.State != "rolling_back" {
		t.Errorf("override line %+v; want the operator's reason and halted -> rolling_back", ov)
	}
	checkGate(t, rep.Gate)
	checkMetrics(t, rep, n)
	if len(rep.Pages) == 0 || rep.Pages[len(rep.Pages)-1].Kind != "page" || rep.Pages[len(rep.Pages)-1].State != "delivered" {
		t.Errorf("pages %+v; want the escalation's page, delivered", rep.Pages)
	}
}

func checkGate(t *testing.T, g report.Gate) {
	t.Helper()
	if g.AutoRollback || !strings.Contains(g.Reason, "00042_drop_legacy_note is contract") {
		t.Errorf("gate %q (auto rollback %v); want it to name the contract migration", g.Reason, g.AutoRollback)
	}
	if len(g.Migrations) != 2 || !g.Migrations[0].Blocks || g.Migrations[0].Blocking[0].Rule != "drop-column" ||
		g.Migrations[1].Blocks || len(g.Migrations[1].Warnings) == 0 {
		t.Errorf("migrations %+v; want the drop blocking (drop-column) and the index only warned about", g.Migrations)
	}
}

func checkMetrics(t *testing.T, rep report.Report, n int) {
	t.Helper()
	byName := map[string]report.Metric{}
	for _, m := range rep.Metrics {
		byName[m.Name] = m
	}
	errs := byName["errors"]
	if errs.Classification != "high" || errs.Allowance.Upper == nil || *errs.Allowance.Upper != 1.2 || errs.Allowance.Lower != nil {
		t.Errorf("errors: %s, allowance %+v; want high against an upper allowance of 1.2", errs.Classification, errs.Allowance)
	}
	d := errs.Distribution
	if d == nil || d.Of != "rate" || d.Source != "points" || d.Canary.N != 30 || *d.Canary.Mean <= *d.Baseline.Mean {
		t.Fatalf("errors distribution %+v; want 30 per-point rates a side from the window's points, the canary's higher", d)
	}
	// The canary's mean per-point rate equals its events/total (every point
	// has the same total), which the judge reports on its own.
	if got, want := *d.Canary.Mean, *errs.Canary.Rate; got-want > 1e-12 || want-got > 1e-12 {
		t.Errorf("canary mean rate %v, judge's rate %v", got, want)
	}
	if len(errs.Series) != 2 || errs.Series[0].Name != "window" || len(errs.Series[0].Points) != n || errs.Series[1].Name != "pooled" {
		t.Fatalf("errors series %+v; want one window point per window, then pooled", errs.Series)
	}
	pooled := errs.Series[1].Points
	if len(pooled) == 0 || pooled[len(pooled)-1].Seq != n {
		t.Errorf("pooled points %+v; want one at the last window", pooled)
	}
	if lat := byName["latency_p99"]; lat.Distribution == nil || lat.Distribution.Of != "value" || lat.Distribution.Canary.Q1 == nil {
		t.Errorf("latency distribution %+v; want quartiles of the values", lat.Distribution)
	}
}

// TestReportWindows: another window can be chosen; a window that does not
// exist or is not a number is a 400 naming window; an unknown release 404.
func TestReportWindows(t *testing.T) {
	s, story := demoStack(t, memory.New())
	path := "/v1/releases/" + story.RolledBack + "/report"
	r := call(t, s.srv, "GET", path+"?window=1", nil)
	mustStatus(t, r, 200)
	if rep := decode[report.Report](t, r); rep.Window != 1 || rep.Metrics[0].Effect.Seq != 1 || rep.Metrics[0].Classification != "pass" {
		t.Errorf("window 1: showing %d, %+v", rep.Window, rep.Metrics[0].Effect)
	}
	for _, q := range []string{"?window=99", "?window=0", "?window=x"} {
		r := call(t, s.srv, "GET", path+q, nil)
		mustStatus(t, r, 400)
		if !strings.Contains(string(r.Body), "window") {
			t.Errorf("%s: %s does not name window", q, r.Body)
		}
	}
	mustStatus(t, call(t, s.srv, "GET", "/v1/releases/rel_nope/report", nil), 404)
	var rep report.Report
	b := call(t, s.srv, "GET", "/v1/releases/"+story.Baking+"/report", nil).Body
	if err := json.Unmarshal(b, &rep); err != nil || rep.Release.State != "baking" || len(rep.Windows) != 2 || rep.Window != 1 ||
		rep.Windows[1].SourceError != demo.SourceError || rep.Windows[1].Verdict != "" {
		t.Errorf("the baking release: %v; showing window %d of %+v; want window 1 (2's source failed)", err, rep.Window, rep.Windows)
	}
}
