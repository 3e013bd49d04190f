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
)

// t0 is the fixed start of every test clock.
var t0 = time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)

// row is one fake outbox row.
type row struct {
	msg       Message
	next      time.Time
	delivered *time.Time
	dead      bool
	lastErr   string
}

// retryCall is one recorded Outbox.Retry.
type retryCall struct {
	ID       int64
	Attempts int
	Next     time.Time
	LastErr  string
	Dead     bool
}

// fakeOutbox is an in-memory Outbox with the lease semantics the stores have: a
// claimed row is not due again until now+lease, so each row is handed out once.
type fakeOutbox struct {
	mu      sync.Mutex
	rows    []*row
	retries []retryCall
}

func newFakeOutbox(msgs ...Message) *fakeOutbox {
	f := &fakeOutbox{}
	for _, m := range msgs {
		f.rows = append(f.rows, &row{msg: m, next: m.CreatedAt})
	}
	return f
}

func (f *fakeOutbox) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []Message
	for _, r := range f.rows {
		if len(out) == limit {
			break
		}
		if r.delivered != nil || r.dead || r.next.After(now) {
			continue
		}
		r.next = now.Add(lease)
		out = append(out, r.msg)
	}
	return out, nil
}

func (f *fakeOutbox) Delivered(_ context.Context, id int64, at time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.find(id)
	r.delivered = &at
	return nil
}

func (f *fakeOutbox) Retry(_ context.Context, id int64, attempts int, next time.Time, lastErr string, dead bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	r := f.find(id)
	r.msg.Attempts, r.next, r.lastErr, r.dead = attempts, next, lastErr, dead
	f.retries = append(f.retries, retryCall{id, attempts, next, lastErr, dead})
	return nil
}

func (f *fakeOutbox) find(id int64) *row {
	i := slices.IndexFunc(f.rows, func(r *row) bool { return r.msg.ID == id })
	if i < 0 {
		panic("fake outbox: no message with that id")
	}
	return f.rows[i]
}

// row returns a copy of the row with id.
func (f *fakeOutbox) row(id int64) row {
	f.mu.Lock()
	defer f.mu.Unlock()
	return *f.find(id)
}

func (f *fakeOutbox) retryCalls() []retryCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.retries)
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// request is one request a test server received.
type request struct {
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
		r.reqs = append(r.reqs, request{Header: req.Header.Clone(), Body: b})
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
// 1s, MaxBackoff 1m, and a fresh registry, logging to the test.
func testDispatcher(t *testing.T, ob Outbox, edit func(*Options)) (*Dispatcher, *clock, *prometheus.Registry) {
	t.Helper()
	c := &clock{t: t0}
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
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "canaryjudge_notify_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			if got["sink"] == sink && got["outcome"] == outcome {
				return m.GetCounter().GetValue()
			}
		}
	}
	return 0
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
