package gameday_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/gameday"
	"github.com/canaryjudge/canaryjudge/internal/demo"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestGameDayCannotHurt plays the game day's automatic-rollback scenarios
// against a shared server (real clock, real /metrics) whose real service
// has a fleet rollback cap of 1. The drills roll back five times; the real
// service's next regression must still roll back automatically (had one
// drill counted, it would escalate with rollback_cap), and the decision
// metrics and release gauges must name no drill service.
func TestGameDayCannotHurt(t *testing.T) {
	st := memory.New()
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: reg, Classifier: sqlcheck.Classifier{}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	ctx, cancel := context.WithCancel(context.Background())
	var bg sync.WaitGroup
	bg.Go(func() {
		_ = notify.New(st, notify.Options{PollInterval: 10 * time.Millisecond, Registerer: prometheus.NewRegistry()}).Run(ctx)
	})
	t.Cleanup(func() { cancel(); bg.Wait() })

	// The real service: a cap of one automatic rollback fleet-wide.
	pol := demo.Policy("")
	pol["guards"].(map[string]any)["rollback_cap"] = map[string]any{"per_service": 5, "fleet": 1, "window": "24h"}
	real := demo.Client{URL: srv.URL}
	if err := real.Do(ctx, http.MethodPut, "/v1/services/checkout/policy", pol, nil); err != nil {
		t.Fatal(err)
	}

	sink := gameday.NewSink()
	sinkURL, stop, err := sink.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	var scs []gameday.Scenario
	for _, sc := range scenarios(t) {
		switch sc.Name {
		case "errors_x5", "ceiling_breach", "expand_migration", "rollback_cap":
			scs = append(scs, sc)
		}
	}
	tg := &gameday.Target{Client: gameday.NewClient(srv.URL, ""), Clock: gameday.RealClock{Wait: 10 * time.Second}, Sink: sink, SinkURL: sinkURL}
	rolledBack := 0
	for _, r := range gameday.Run(ctx, tg, scs, gameday.Options{Seed: 1, Parallel: 4}) {
		if f := r.Failed(); len(f) > 0 {
			t.Fatalf("%s failed: %+v", r.Scenario, f)
		}
		rolledBack++
	}
	if rolledBack != 4 {
		t.Fatalf("%d drills rolled back, want 4 (five automatic rollbacks in all)", rolledBack)
	}

	// The real regression after the drills.
	var rel struct{ ID string }
	if err := real.Do(ctx, http.MethodPost, "/v1/releases", map[string]any{"service": "checkout", "target": "prod",
		"version": "v2", "baseline_version": "v1", "migrations": []any{}}, &rel); err != nil {
		t.Fatal(err)
	}
	var out struct {
		Decision struct{ Action, Reason string }
	}
	t0 := time.Now().Add(-time.Hour).Truncate(time.Minute)
	for w := range 4 {
		if err := real.Do(ctx, http.MethodPost, "/v1/releases/"+rel.ID+"/analyses", demo.Window(uint64(w), true, t0.Add(time.Duration(w)*5*time.Minute)), &out); err != nil {
			t.Fatal(err)
		}
		if out.Decision.Action != "wait" {
			break
		}
	}
	if out.Decision.Action != "rollback" {
		t.Fatalf("the real regression: %s (%s); want an automatic rollback, whatever the drills did", out.Decision.Action, out.Decision.Reason)
	}

	metrics := get(t, srv.URL+"/metrics")
	if strings.Contains(metrics, `service="gameday-`) {
		t.Errorf("the metrics name drill services:\n%s", grepLines(metrics, "gameday-"))
	}
	if !strings.Contains(metrics, `canaryjudge_decisions_total{action="rollback",reason="sustained_regression",service="checkout"} 1`) {
		t.Errorf("the real rollback is not counted:\n%s", grepLines(metrics, "canaryjudge_decisions_total"))
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return string(b)
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
