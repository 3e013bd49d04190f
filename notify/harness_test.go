package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/internal/metricstest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// The unit tests run the dispatcher over the in-memory store, which keeps the
// PostgreSQL store's promises (store/storetest); stores_test.go runs the
// store-facing cases on both.

// t0 is the fixed start of every test clock.
var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

const details = `{"action":"escalate","reason":"rollback_cap","state":"halted","evidence":{"rollbacks":2}}`

// newOutbox returns a memory store where service "payments" has policy
// version 1 notifying sinks, and release r-123 (target eu-west) exists.
func newOutbox(t *testing.T, sinks ...judge.Sink) *memory.Store {
	t.Helper()
	st := memory.New()
	if _, err := st.PutPolicy(context.Background(), "payments", judge.Policy{Notify: sinks}, 0, "test", t0); err != nil {
		t.Fatal(err)
	}
	addRelease(t, st, "r-123", "eu-west")
	return st
}

func addRelease(t *testing.T, st store.Full, id, target string) {
	t.Helper()
	_, _, err := st.CreateRelease(context.Background(), store.Release{ID: id, Service: "payments", Target: target,
		Version: "v2", BaselineVersion: "v1", State: judge.StateBaking, CreatedAt: t0, UpdatedAt: t0}, nil, nil, store.AuditEntry{})
	if err != nil {
		t.Fatal(err)
	}
}

// page is a page of release r-123 to sink index i of policy version 1.
func page(i int, sink judge.Sink) outbox.Message {
	return outbox.Message{
		ReleaseID: "r-123", Service: "payments", Target: "eu-west",
		Kind: outbox.KindPage, Summary: "2 automatic rollbacks in 1h; a human must decide",
		Severity: outbox.SeverityCritical, Details: json.RawMessage(details), Sink: outbox.RefOf(1, i, sink), CreatedAt: t0,
	}
}

// enqueue writes msgs through units of work on their releases and returns
// their ids, in order.
func enqueue(t *testing.T, st store.Full, msgs ...outbox.Message) []int64 {
	t.Helper()
	ctx := context.Background()
	for _, m := range msgs {
		if err := st.InRelease(ctx, m.ReleaseID, func(tx store.ReleaseTx) error { return tx.Enqueue(ctx, m) }); err != nil {
			t.Fatal(err)
		}
	}
	all, err := st.ListOutbox(ctx, outbox.Query{Limit: len(msgs)})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]int64, len(all))
	for i, e := range all {
		ids[len(all)-1-i] = e.ID
	}
	return ids
}

// entry returns the stored state of message id.
func entry(t *testing.T, st store.Full, id int64) outbox.Entry {
	t.Helper()
	all, err := st.ListOutbox(context.Background(), outbox.Query{BeforeID: id + 1, Limit: 1})
	if err != nil || len(all) != 1 || all[0].ID != id {
		t.Fatalf("no outbox message %d: %v", id, err)
	}
	return all[0]
}

// request is one request a test server received.
type request struct {
	Path   string
	Header http.Header
	Body   []byte
}

// recorder is an httptest server that answers with the statuses given, in order
// (the last one repeats), and records every request.
type recorder struct {
	*httptest.Server
	mu       sync.Mutex
	reqs     []request
	statuses []int
	body     string
}

func newRecorder(t *testing.T, statuses ...int) *recorder {
	t.Helper()
	r := &recorder{statuses: statuses}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, request{Path: req.URL.Path, Header: req.Header.Clone(), Body: b})
		status := r.statuses[min(len(r.reqs), len(r.statuses))-1]
		body := r.body
		r.mu.Unlock()
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *recorder) requests() []request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

// testDispatcher returns a dispatcher on a fixed clock with Rand 0.5, BaseBackoff
// 1s, MaxBackoff 1m, MaxAttempts 5 and a fresh registry, logging to the test.
func testDispatcher(t *testing.T, ob Outbox, edit func(*Options)) (*Dispatcher, *testclock.Clock, *prometheus.Registry) {
	t.Helper()
	c := testclock.New(t0)
	reg := prometheus.NewRegistry()
	opts := Options{
		Now:         c.Now,
		Rand:        func() float64 { return 0.5 },
		BaseBackoff: time.Second,
		MaxBackoff:  time.Minute,
		MaxAttempts: 5,
		Registerer:  reg,
		Logger:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if edit != nil {
		edit(&opts)
	}
	return New(ob, opts), c, reg
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimRight(p, "\n")))
	return len(p), nil
}

// counter returns the value of canaryjudge_notify_deliveries_total{sink,outcome}.
func counter(t *testing.T, reg *prometheus.Registry, sink, outcome string) float64 {
	t.Helper()
	return gauge(t, reg, "canaryjudge_notify_deliveries_total", map[string]string{"sink": sink, "outcome": outcome})
}

// gauge returns the counter or gauge name summed over the series with labels.
func gauge(t *testing.T, reg *prometheus.Registry, name string, labels map[string]string) float64 {
	t.Helper()
	var pairs []string
	for k, v := range labels {
		pairs = append(pairs, k, v)
	}
	return metricstest.Sum(t, reg, name, pairs...)
}

// jsonEqual fails unless got and want hold the same JSON value.
func jsonEqual(t *testing.T, got []byte, want string) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("body is not JSON: %v\n%s", err, got)
	}
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON: %v", err)
	}
	gb, _ := json.Marshal(g)
	wb, _ := json.Marshal(w)
	if !bytes.Equal(gb, wb) {
		t.Errorf("body\n got: %s\nwant: %s", gb, wb)
	}
}

// slogTo logs everything, as text, to w.
func slogTo(w io.Writer) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
