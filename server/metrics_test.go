package server_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/internal/metricstest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// replica is one server with its own registry and notify dispatcher.
type replica struct {
	srv *httptest.Server
	reg *prometheus.Registry
	d   *notify.Dispatcher
}

func newReplica(t *testing.T, st store.Full, c *testclock.Clock) replica {
	t.Helper()
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: reg, Now: c.Now,
		Classifier: sqlcheck.Classifier{}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return replica{srv: srv, reg: reg, d: notify.New(st, notify.Options{Now: c.Now, Registerer: reg})}
}

// TestDecisionMetrics plays the demo story on one replica and reads its
// metrics: every metric name passes promlint, the decision counters count
// exactly the story's decisions, the guard's intervention and the page
// delivered, and the release gauges show the release still baking.
func TestDecisionMetrics(t *testing.T) {
	st, c := memory.New(), newClock()
	a := newReplica(t, st, c)
	sink := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	t.Cleanup(sink.Close)
	ctx := context.Background()
	story, err := demo.Run(ctx, demo.Client{URL: a.srv.URL}, sink.URL, c.Now().Add(-2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.d.Tick(ctx); err != nil {
		t.Fatal(err)
	}
	problems, err := testutil.GatherAndLint(a.reg)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("promlint: %s: %s", p.Metric, p.Text)
	}
	// The story: two healthy windows wait (bake_incomplete), a failing one
	// waits (failing_window), the next escalates on the migration; the
	// operator's rollback, the tool's completion; the second release's one
	// healthy window waits, and so does its window whose source failed.
	if got := strings.Join(story.Decisions, " "); got != "wait/bake_incomplete wait/bake_incomplete wait/failing_window escalate/migration_incompatible" {
		t.Fatalf("the story decided %s; the expected counts below assume otherwise", got)
	}
	want := `
# HELP canaryjudge_decisions_total Decisions recorded by this replica, by service, action and reason code.
# TYPE canaryjudge_decisions_total counter
canaryjudge_decisions_total{action="escalate",reason="migration_incompatible",service="checkout"} 1
canaryjudge_decisions_total{action="rollback",reason="override",service="checkout"} 1
canaryjudge_decisions_total{action="rollback",reason="rollback_completed",service="checkout"} 1
canaryjudge_decisions_total{action="wait",reason="bake_incomplete",service="checkout"} 3
canaryjudge_decisions_total{action="wait",reason="failing_window",service="checkout"} 1
canaryjudge_decisions_total{action="wait",reason="source_error",service="checkout"} 1
# HELP canaryjudge_guard_interventions_total Decisions in which a guard changed what the analysis asked for, by service and guard (the decision's reason: frozen, thrash_protection, migration_incompatible, rollback_cap, baseline_unhealthy).
# TYPE canaryjudge_guard_interventions_total counter
canaryjudge_guard_interventions_total{guard="migration_incompatible",service="checkout"} 1
# HELP canaryjudge_notify_pages_total Delivery attempts of pages (a human is needed) by sink kind and outcome (delivered, skipped, retry, dead).
# TYPE canaryjudge_notify_pages_total counter
canaryjudge_notify_pages_total{outcome="delivered",sink="webhook"} 1
`
	if err := testutil.GatherAndCompare(a.reg, strings.NewReader(want), "canaryjudge_decisions_total",
		"canaryjudge_guard_interventions_total", "canaryjudge_notify_pages_total"); err != nil {
		t.Error(err)
	}
	checkReleaseGauges(t, a.reg)
	// A second replica, and a restarted one, report the same gauges without
	// having decided anything: they are read from the store.
	checkReleaseGauges(t, newReplica(t, st, c).reg)
	// A request replayed with its Idempotency-Key decides nothing new.
	before := decisionsTotal(t, a.reg)
	body, _ := json.Marshal(demo.Window(7, false, c.Now().Add(-30*time.Minute)))
	for range 2 {
		r := call(t, a.srv, "POST", "/v1/releases/"+story.Baking+"/analyses", string(body), "Idempotency-Key", "w7")
		mustStatus(t, r, 200)
	}
	if after := decisionsTotal(t, a.reg); after != before+1 {
		t.Errorf("decisions went from %v to %v for one window sent twice, want one more", before, after)
	}
}

// decisionsTotal sums canaryjudge_decisions_total over its labels.
func decisionsTotal(t *testing.T, reg *prometheus.Registry) float64 {
	return metricstest.Sum(t, reg, "canaryjudge_decisions_total")
}

// checkReleaseGauges: only the baking release (prod-us) is active: its
// state set and the score of its one healthy window (the newer window,
// whose source failed, has none).
func checkReleaseGauges(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	want := `
# HELP canaryjudge_release_last_score Score (0-100) of the newest judged window of each active release, by service and target.
# TYPE canaryjudge_release_last_score gauge
canaryjudge_release_last_score{service="checkout",target="prod-us"} 100
# HELP canaryjudge_release_state Active releases (baking, rolling_back, halted) by service and target: 1 for the state the release is in, 0 for the other states.
# TYPE canaryjudge_release_state gauge
canaryjudge_release_state{service="checkout",state="baking",target="prod-us"} 1
canaryjudge_release_state{service="checkout",state="halted",target="prod-us"} 0
canaryjudge_release_state{service="checkout",state="promoted",target="prod-us"} 0
canaryjudge_release_state{service="checkout",state="rolled_back",target="prod-us"} 0
canaryjudge_release_state{service="checkout",state="rolling_back",target="prod-us"} 0
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "canaryjudge_release_state", "canaryjudge_release_last_score"); err != nil {
		t.Error(err)
	}
}
