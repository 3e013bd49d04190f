package sourcetest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/metricstest"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/runner"
)

// E2E is the end-to-end test every backend runs: the server and the
// scheduled-run workers on PostgreSQL (the caller's TestMain runs
// pgtest.Main), the source configured through PUT /v1/sources, the
// backend's example policy, and two releases scheduled through POST
// /v1/releases/{id}/runs over the dataset's healthy and bad apps (5-minute
// windows from T0+5m). The example policy promotes after 3 windows and
// 15 minutes of bake and rolls back after 2 failing windows, so the
// healthy canary must be promoted at window 3 and the bad one (5x the
// errors, critical) rolled back at window 2, every window's queries kept
// with the run's scope and every request counted.
func E2E(t *testing.T, h Harness) {
	t0 := T0()
	url := h.Start(t, Dataset(t0))
	reg := prometheus.NewRegistry()
	st := pgtest.Open(t)
	backends := map[string]source.Backend{h.Type: h.Backend}
	srv := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: reg, Backends: backends})
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	c := client{t: t, base: hs.URL}
	cfg := h.Config(Options{URL: url, Timeout: 5 * time.Second, Retries: 1, Backoff: 10 * time.Millisecond, Concurrency: 4})
	c.do("PUT", "/v1/sources/src", "application/json", fmt.Sprintf(`{"type":%q,"config":%s}`, h.Type, cfg), 201, nil)
	pol, err := os.ReadFile(h.PolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	runs := map[string]string{}
	for _, app := range []string{AppHealthy, AppBad} {
		c.do("PUT", "/v1/services/"+app+"/policy", "application/yaml", string(pol), -1, nil)
		var rel struct{ ID string }
		c.do("POST", "/v1/releases", "application/json", fmt.Sprintf(`{"service":%q,"target":"eu","version":"v2","baseline_version":"v1"}`, app), 201, &rel)
		var run struct{ ID string }
		c.do("POST", "/v1/releases/"+rel.ID+"/runs", "application/json", fmt.Sprintf(`{"source":"src",
			"scope":{"canary":{"app":%q,"track":"canary"},"baseline":{"app":%q,"track":"baseline"}},
			"interval":"5m","lifetime":"40m","start":%q}`, app, app, t0.Add(5*time.Minute).Format(time.RFC3339)), 202, &run)
		runs[app] = run.ID
	}
	t.Cleanup(runner.New(st, srv.Engine(), runner.Options{Backends: backends, Registry: reg, Workers: 4, Poll: 20 * time.Millisecond}).Start())
	for app, want := range map[string]struct {
		status, action string
		window         int
	}{AppHealthy: {"SUCCEEDED", "promote", 3}, AppBad: {"TERMINAL", "rollback", 2}} {
		v := c.await(runs[app])
		t.Logf("%s: %s after %d windows: %s", app, v.Status, v.Windows.Done, v.Reason)
		if v.Status != want.status || v.Decision == nil || v.Decision.Action != want.action || v.Windows.Done != want.window {
			t.Errorf("%s: %s after %d windows, decision %+v (%s); want %s / %s at window %d", app, v.Status, v.Windows.Done, v.Decision, v.Reason, want.status, want.action, want.window)
		}
		c.checkWindows(runs[app], app, v.Windows.Done)
	}
	if n := metricstest.Sum(t, reg, "canaryjudge_source_requests_total", "source", "src", "outcome", "ok"); n < 5*12 {
		t.Errorf("canaryjudge_source_requests_total{outcome=ok} = %g, want at least 12 per window", n)
	}
}

// runView is the part of GET /v1/runs/{id} the test reads.
type runView struct {
	Status, Reason string
	Windows        struct{ Done, Total int }
	Decision       *struct{ Action, Reason string }
}

type client struct {
	t    *testing.T
	base string
}

// do sends a request and checks its status (want < 0: any 2xx).
func (c client) do(method, path, ctype, body string, want int, out any) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if (want < 0 && resp.StatusCode/100 != 2) || (want >= 0 && resp.StatusCode != want) {
		c.t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.NewDecoder(bytes.NewReader(raw)).Decode(out); err != nil {
			c.t.Fatal(err)
		}
	}
}

// await polls a run until it is no longer RUNNING (deadline 90 s).
func (c client) await(id string) runView {
	c.t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	for {
		var v runView
		c.do("GET", "/v1/runs/"+id, "", "", 200, &v)
		if v.Status != "RUNNING" {
			return v
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("run %s still RUNNING after 90 s (%d windows done)", id, v.Windows.Done)
		}
		time.Sleep(20 * time.Millisecond) // polling a real condition, with a deadline
	}
}

// checkWindows: every window kept what it asked, with the run's canary
// scope in its first query, and holds its own analysis.
func (c client) checkWindows(id, app string, done int) {
	c.t.Helper()
	var ws struct {
		Windows []struct {
			AnalysisID *int64 `json:"analysis_id"`
			Queries    []source.Asked
		}
	}
	c.do("GET", "/v1/runs/"+id+"/windows", "", "", 200, &ws)
	if len(ws.Windows) != done {
		c.t.Fatalf("%s: %d window records, want %d", app, len(ws.Windows), done)
	}
	seen := map[int64]bool{}
	for i, w := range ws.Windows {
		if w.AnalysisID == nil || seen[*w.AnalysisID] || len(w.Queries) != 12 {
			c.t.Fatalf("%s window %d: analysis %v, %d queries; want its own analysis and 12 queries", app, i+1, w.AnalysisID, len(w.Queries))
		}
		seen[*w.AnalysisID] = true
		if q := w.Queries[0]; !strings.Contains(q.Query, app) || q.Side != "canary" || q.Series != 1 {
			c.t.Errorf("%s window %d: first query %+v, want the canary's, with its scope, one series", app, i+1, q)
		}
	}
}
