package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// bothStores runs f on the in-memory store and on PostgreSQL. replica opens
// another handle on the same data, as a second canaryjudge replica would.
func bothStores(t *testing.T, f func(t *testing.T, st store.Full, replica func() store.Full)) {
	t.Run("memory", func(t *testing.T) {
		t.Parallel()
		st := memory.New()
		f(t, st, func() store.Full { return st })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		url := pgtest.URL(t)
		open := func() store.Full {
			st, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(st.Close)
			return st
		}
		f(t, open(), open)
	})
}

// fixture stores policy version 1 of "payments" with sinks, and creates
// each release (target = its id).
func fixture(t *testing.T, st store.Full, sinks []judge.Sink, releases ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := st.PutPolicy(ctx, "payments", judge.Policy{Notify: sinks}, 0, "test", time.Now()); err != nil {
		t.Fatal(err)
	}
	for _, id := range releases {
		_, _, err := st.CreateRelease(ctx, store.Release{ID: id, Service: "payments", Target: id, Version: "v2",
			BaselineVersion: "v1", State: judge.StateBaking, CreatedAt: time.Now(), UpdatedAt: time.Now()}, nil, nil, store.AuditEntry{})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// send enqueues one message of kind for release to sink i of policy v1.
func send(t *testing.T, st store.Full, release, kind string, i int, sink judge.Sink, at time.Time) {
	t.Helper()
	ctx := context.Background()
	m := outbox.Message{ReleaseID: release, Kind: kind, Summary: release + " " + kind, Severity: outbox.SeverityCritical,
		Details: json.RawMessage(`{"action":"escalate"}`), Sink: outbox.RefOf(1, i, sink), CreatedAt: at}
	if err := st.InRelease(ctx, release, func(tx store.ReleaseTx) error { return tx.Enqueue(ctx, m) }); err != nil {
		t.Fatal(err)
	}
}

func countState(t *testing.T, st store.Full, state string) int {
	t.Helper()
	es, err := st.ListOutbox(context.Background(), outbox.Query{State: state})
	if err != nil {
		t.Fatal(err)
	}
	return len(es)
}

// received is what a webhook receiver saw: the payload and the path.
type received struct {
	notify.WebhookPayload
	Path string
}

// receiver records webhook payloads on ch (and answers status, 200 when 0).
func receiver(t *testing.T, ch chan<- received, status func() int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.WebhookPayload
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &p)
		if s := status(); s != 0 {
			w.WriteHeader(s)
		}
		ch <- received{p, r.URL.Path}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestHungSinkDelaysOnlyItself: 30 pages wait on a sink that never answers;
// a page to a healthy sink, written after them, is delivered while the hung
// sink's first attempt is still hanging: well within its own timeout and
// without waiting for the hung one's. The hung sink never has two requests
// in flight, and shutting down counts no attempt against it.
func TestHungSinkDelaysOnlyItself(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full, _ func() store.Full) {
		var hits, returned atomic.Int32
		entered, unblock := make(chan struct{}, 64), make(chan struct{})
		hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer returned.Add(1)
			hits.Add(1)
			entered <- struct{}{}
			select {
			case <-r.Context().Done():
			case <-unblock:
			}
		}))
		t.Cleanup(hung.Close)
		t.Cleanup(func() { close(unblock) })
		got := make(chan received, 4)
		healthy := receiver(t, got, func() int { return 0 })
		sinks := []judge.Sink{{Kind: "webhook", URL: hung.URL, Secret: "h"}, {Kind: "webhook", URL: healthy.URL}}
		var releases []string
		for i := range 30 {
			releases = append(releases, fmt.Sprintf("stuck-%02d", i))
		}
		fixture(t, st, sinks, append(releases, "fine")...)
		at := time.Now().Add(-time.Minute)
		for _, r := range releases {
			send(t, st, r, outbox.KindPage, 0, sinks[0], at)
		}
		send(t, st, "fine", outbox.KindPage, 1, sinks[1], at.Add(time.Second))

		const timeout = time.Minute // each sink's own: the healthy page must not need it
		d := notify.New(st, notify.Options{Timeout: timeout, Concurrency: 4, PollInterval: 20 * time.Millisecond})
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- d.Run(ctx) }()
		defer cancel()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("the hung sink was never tried")
		}
		select {
		case r := <-got:
			if r.ReleaseID != "fine" || r.Kind != outbox.KindPage {
				t.Fatalf("healthy sink got %+v", r)
			}
		case <-time.After(timeout / 2):
			t.Fatalf("the healthy page did not arrive within half its timeout (%s) while the hung sink hangs", timeout/2)
		}
		if returned.Load() != 0 || hits.Load() != 1 {
			t.Fatalf("hung sink: %d requests, %d returned; want 1 still hanging (one in flight per sink)", hits.Load(), returned.Load())
		}
		// The healthy page is recorded just after its receiver answers.
		eventually(t, "the healthy page recorded delivered, the 30 others pending", func() bool {
			return countState(t, st, outbox.StateDelivered) == 1 && countState(t, st, outbox.StatePending) == 30
		})
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return after cancel")
		}
		pending, _ := st.ListOutbox(context.Background(), outbox.Query{State: outbox.StatePending})
		for _, e := range pending {
			if e.Attempts != 0 {
				t.Errorf("message %d has %d attempts after shutdown interrupted it; want 0", e.ID, e.Attempts)
			}
		}
	})
}

// TestResolveNeverPrecedesPage: the page fails and waits for its retry; the
// resolve written after it is due but is not sent until the page is
// delivered.
func TestResolveNeverPrecedesPage(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full, _ func() store.Full) {
		var calls atomic.Int32
		got := make(chan received, 8)
		srv := receiver(t, got, func() int {
			if calls.Add(1) == 1 {
				return http.StatusServiceUnavailable
			}
			return 0
		})
		sink := judge.Sink{Kind: "webhook", URL: srv.URL}
		fixture(t, st, []judge.Sink{sink}, "r1")
		now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
		send(t, st, "r1", outbox.KindPage, 0, sink, now)
		send(t, st, "r1", outbox.KindResolve, 0, sink, now)
		var mu sync.Mutex
		clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
		d := notify.New(st, notify.Options{Now: clock, BaseBackoff: time.Second, Rand: func() float64 { return 1 }})
		ctx := context.Background()
		for i, want := range []int{0, 0, 1, 1} { // page fails; resolve held; page; resolve
			if i == 2 {
				mu.Lock()
				now = now.Add(time.Second) // the page's retry is due
				mu.Unlock()
			}
			if n, err := d.Tick(ctx); n != want || err != nil {
				t.Fatalf("tick %d delivered %d (%v), want %d", i+1, n, err, want)
			}
		}
		close(got)
		var kinds []string
		for r := range got {
			kinds = append(kinds, r.Kind)
		}
		if fmt.Sprint(kinds) != "[page page resolve]" {
			t.Fatalf("receiver saw %v, want [page page resolve]", kinds)
		}
	})
}

// eventually polls cond until it holds, failing the test after 10s.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
	}
}

// TestDeadLetterInMetrics: a message given up is counted by the backlog
// gauge that every replica reads from the shared store.
func TestDeadLetterInMetrics(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full, _ func() store.Full) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusGone) }))
		t.Cleanup(srv.Close)
		sink := judge.Sink{Kind: "slack", URL: srv.URL}
		fixture(t, st, []judge.Sink{sink}, "r1")
		send(t, st, "r1", outbox.KindPage, 0, sink, time.Now())
		send(t, st, "r1", outbox.KindInfo, 0, sink, time.Now())
		reg := prometheus.NewRegistry()
		d := notify.New(st, notify.Options{Registerer: reg})
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		want := map[string]float64{"dead": 1, "pending": 1}
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() != "canaryjudge_outbox_messages" {
				continue
			}
			for _, m := range mf.GetMetric() {
				state := m.GetLabel()[0].GetValue()
				if m.GetGauge().GetValue() != want[state] {
					t.Errorf("canaryjudge_outbox_messages{state=%q} = %v, want %v", state, m.GetGauge().GetValue(), want[state])
				}
				delete(want, state)
			}
		}
		if len(want) != 0 {
			t.Errorf("gauges missing: %v", want)
		}
	})
}
