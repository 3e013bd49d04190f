package runner_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/runner"
)

// e2eData: three services, each a baseline and a canary, scraped every
// 15 s for 70 minutes ending 2 h ago (so every window is in the past and
// nothing waits in real time):
//   - healthy: the canary is the baseline with its own small offsets;
//   - bad: the canary has 5x the error ratio and +40 % latency (p99 too);
//   - weird: healthy, but its app label holds `"`, `}` and `\`.
func e2eData() (promtest.Data, time.Time) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	return promtest.Canaries(t0, "bad", "healthy", "bad", weirdApp), t0
}

const weirdApp = `we"ird}\app`

// runOf schedules a run of release rel for app: 5-minute windows from
// t0+5m, 8 of them.
func runOf(s *stack, t *testing.T, rel, app string, t0 time.Time) string {
	t.Helper()
	var v runView
	resp := s.do(t, "POST", "/v1/releases/"+rel+"/runs", "application/json", []byte(fmt.Sprintf(`{"source":"prom",
		"scope":{"canary":{"app":%q,"track":"canary"},"baseline":{"app":%q,"track":"baseline"}},
		"interval":"5m","lifetime":"40m","start":%q}`, app, app, t0.Add(5*time.Minute).Format(time.RFC3339))), &v)
	if resp.StatusCode != 202 || resp.Header.Get("Location") != s.srv.URL+"/v1/runs/"+v.ID || v.Status != "RUNNING" || v.Windows.Total != 8 {
		t.Fatalf("POST runs: %d %s %+v", resp.StatusCode, resp.Header.Get("Location"), v)
	}
	return v.ID
}

// TestEndToEndRealPrometheus: scheduled releases through the HTTP API
// against a real Prometheus, on PostgreSQL. The example policy needs 3
// windows and 15 minutes of bake to promote and 2 failing windows to roll
// back (errors is critical; latency_p99 a rollback trigger). Expected:
//   - healthy and weird: promote at window 3 (the earliest allowed);
//   - bad: rollback at window 2 (errors, critical, fails in both of the
//     first two windows: sustained_regression).
func TestEndToEndRealPrometheus(t *testing.T) {
	d, t0 := e2eData()
	prom := promtest.Start(t, d)
	s := newStack(t, pgtest.Open(t))
	runs := map[string]string{}
	for _, app := range []string{"healthy", "bad", weirdApp} {
		svc := map[string]string{"healthy": "healthy", "bad": "bad", weirdApp: "weird"}[app]
		runs[app] = runOf(s, t, s.release(t, svc, prom.URL), app, t0)
	}
	s.start(t, runner.Options{Workers: 4})
	for app, want := range map[string]struct {
		status, action string
		windows        []int
	}{
		"healthy": {"SUCCEEDED", "promote", []int{3, 4}}, // settled by window 3 or 4
		weirdApp:  {"SUCCEEDED", "promote", []int{3, 4}},
		"bad":     {"TERMINAL", "rollback", []int{2}},
	} {
		v := s.await(t, runs[app])
		t.Logf("%s: %s after %d windows: %s", app, v.Status, v.Windows.Done, v.Reason)
		if v.Status != want.status || v.Decision == nil || v.Decision.Action != want.action || !contains(want.windows, v.Windows.Done) {
			t.Errorf("%s: %s after %d windows, decision %+v (%s); want %s / %s at window %v", app, v.Status, v.Windows.Done, v.Decision, v.Reason, want.status, want.action, want.windows)
		}
		checkWindows(t, s, runs[app], app, v.Windows.Done)
	}
	if n := counter(t, s.reg, "canaryjudge_run_windows_total", "outcome", "judged"); n < 8 {
		t.Errorf("canaryjudge_run_windows_total{outcome=judged} = %g, want every window counted", n)
	}
	if n := counter(t, s.reg, "canaryjudge_source_requests_total", "source", "prom"); n < 8*12 {
		t.Errorf("canaryjudge_source_requests_total = %g, want 12 per window", n)
	}
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// checkWindows: every window kept what it asked, with the run's scope,
// and holds exactly one analysis.
func checkWindows(t *testing.T, s *stack, runID, app string, done int) {
	t.Helper()
	var ws struct {
		Windows []struct {
			Seq        int
			AnalysisID *int64 `json:"analysis_id"`
			Queries    []struct{ Metric, Side, Part, Query, Problem string }
		}
	}
	s.mustDo(t, "GET", "/v1/runs/"+runID+"/windows", nil, 200, &ws)
	if len(ws.Windows) != done {
		t.Fatalf("%s: %d window records, want %d", app, len(ws.Windows), done)
	}
	seen := map[int64]bool{}
	for _, w := range ws.Windows {
		if w.AnalysisID == nil || seen[*w.AnalysisID] || len(w.Queries) != 12 {
			t.Fatalf("%s window %d: analysis %v (seen %v), %d queries", app, w.Seq, w.AnalysisID, seen, len(w.Queries))
		}
		seen[*w.AnalysisID] = true
		q := w.Queries[0].Query
		if want := fmt.Sprintf(`app=%q,track="canary"`, app); !strings.Contains(q, want) {
			t.Fatalf("%s: query %s lacks %s", app, q, want)
		}
	}
}
