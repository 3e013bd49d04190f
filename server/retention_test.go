package server_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/metricstest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

// Retention: an Idempotency-Key's answer is replayed until the TTL has
// passed on the server's clock and the sweeper pruned it; then the key is
// free and the prune is counted. Without a retention nothing is pruned.
func TestRetentionPrunesReplays(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		clock := testclock.New(time.Now().UTC())
		reg := prometheus.NewRegistry()
		h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Retention: server.Retention{Keys: time.Hour}},
			server.Deps{Store: st, Registry: reg, Now: clock.Now})
		srv := httptest.NewServer(h)
		t.Cleanup(srv.Close)
		s := stack{srv: srv, h: h, clock: clock}
		setupService(t, s, "ret", testPolicy(2, ""))
		body := `{"service":"ret","version":"v2","baseline_version":"v1"}`
		mustStatus(t, call(t, srv, "POST", "/v1/releases", body, "Idempotency-Key", "deploy-1"), 201)

		keep := server.New(server.Config{}, server.Deps{Store: st, Now: func() time.Time { return clock.Now().Add(48 * time.Hour) }})
		if p, err := keep.Prune(context.Background()); err != nil || p != (store.Pruned{}) {
			t.Fatalf("prune without retention = %+v, %v; want nothing", p, err)
		}
		if p, err := h.Prune(context.Background()); err != nil || p.Idempotency != 0 {
			t.Fatalf("prune within the TTL = %+v, %v; want the key kept", p, err)
		}
		if r := call(t, srv, "POST", "/v1/releases", body, "Idempotency-Key", "deploy-1"); r.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay within the TTL: %d %s", r.StatusCode, r.Body)
		}
		// Past the TTL, the sweeper's first tick prunes it.
		clock.Advance(2 * time.Hour)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { h.RunSweeper(ctx, 10*time.Millisecond); close(done) }()
		deadline := time.Now().Add(10 * time.Second)
		for metricstest.Sum(t, reg, "canaryjudge_pruned_rows_total", "table", "idempotency") < 1 {
			if time.Now().After(deadline) {
				t.Fatal("the sweeper did not prune the expired key within 10 s")
			}
			time.Sleep(10 * time.Millisecond) // polling a real condition, with a deadline
		}
		cancel()
		<-done
		if n := metricstest.Sum(t, reg, "canaryjudge_pruned_rows_total", "table", "idempotency"); n != 1 {
			t.Errorf("canaryjudge_pruned_rows_total{table=idempotency} = %g, want 1", n)
		}
		// The key is free: the same request is handled anew (the release
		// is active on its target, so this time it is refused, not replayed).
		if r := call(t, srv, "POST", "/v1/releases", body, "Idempotency-Key", "deploy-1"); r.Header.Get("Idempotent-Replayed") == "true" || r.StatusCode != 409 {
			t.Fatalf("after the prune: %d replayed=%q %s; want a fresh 409", r.StatusCode, r.Header.Get("Idempotent-Replayed"), r.Body)
		}
	})
}
