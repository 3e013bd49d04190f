package notify

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

func TestRetryWithBackoffThenSuccess(t *testing.T) {
	srv := newRecorder(t, 500, 502, 503, 200)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL, Secret: "k"}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, clk, reg := testDispatcher(t, ob, nil)
	ctx := context.Background()

	// Base 1s doubling, Rand 0.5 → equal jitter gives 3/4 of each step.
	steps := []time.Duration{750 * time.Millisecond, 1500 * time.Millisecond, 3 * time.Second}
	at := t0
	for i, step := range steps {
		if n, err := d.Tick(ctx); n != 0 || err != nil {
			t.Fatalf("attempt %d: Tick = %d, %v; want 0, nil", i+1, n, err)
		}
		at = at.Add(step)
		got := entry(t, ob, 1)
		if got.Attempts != i+1 || !got.NextAttemptAt.Equal(at) || got.State != outbox.StatePending || !strings.HasPrefix(got.LastError, "HTTP 5") {
			t.Fatalf("attempt %d recorded %+v; want attempts %d, next %v, pending", i+1, got, i+1, at)
		}
		// Not due a moment before the backoff ends...
		clk.Advance(step - time.Millisecond)
		if n, _ := d.Tick(ctx); n != 0 || len(srv.requests()) != i+1 {
			t.Fatalf("attempt %d retried before its backoff ended", i+1)
		}
		clk.Advance(time.Millisecond) // ...and due at its end.
	}
	if n, err := d.Tick(ctx); n != 1 || err != nil {
		t.Fatalf("final Tick = %d, %v; want 1, nil", n, err)
	}
	if e := entry(t, ob, 1); e.DeliveredAt == nil || !e.DeliveredAt.Equal(at) {
		t.Errorf("delivered at %v, want %v", e.DeliveredAt, at)
	}
	// Every retry carries the same idempotency key and a valid, fresh signature.
	for _, r := range srv.requests() {
		if r.Header.Get(HeaderIdempotency) != "1" || r.Header.Get(HeaderSignature) == "" {
			t.Errorf("retry headers %v", r.Header)
		}
	}
	if counter(t, reg, outbox.SinkWebhook, outcomeRetry) != 3 || counter(t, reg, outbox.SinkWebhook, outcomeDelivered) != 1 {
		t.Error("counters do not show 3 retries and 1 delivery")
	}
}

func TestTooManyRequestsHonoursRetryAfter(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte("rate_limited"))
	}))
	defer srv.Close()
	sink := judge.Sink{Kind: outbox.SinkSlack, URL: srv.URL}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, reg := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, ob, 1); e.Attempts != 1 || !e.NextAttemptAt.Equal(t0.Add(7*time.Second)) || e.LastError != "HTTP 429: rate_limited" {
		t.Errorf("after a 429: %+v; want attempt 1, due at t0+7s", e)
	}
	if counter(t, reg, outbox.SinkSlack, outcomeRetry) != 1 {
		t.Error("retry not counted")
	}
}

func TestPermanentFailuresAreDeadAtOnce(t *testing.T) {
	pdBody := `{"status":"invalid event","message":"Event object is invalid","errors":["'routing_key' is invalid"]}`
	tests := []struct {
		name    string
		status  int
		body    string
		sink    func(url string) judge.Sink
		wantErr string
	}{
		{"pagerduty 400 keeps the body", 400, pdBody,
			func(u string) judge.Sink { return judge.Sink{Kind: outbox.SinkPagerDuty, URL: u, RoutingKey: "x"} },
			"HTTP 400: " + pdBody},
		{"slack 404", 404, "no_service",
			func(u string) judge.Sink { return judge.Sink{Kind: outbox.SinkSlack, URL: u} }, "HTTP 404: no_service"},
		{"webhook 401", 401, "",
			func(u string) judge.Sink { return judge.Sink{Kind: outbox.SinkWebhook, URL: u} }, "HTTP 401: (empty body)"},
		{"unknown sink kind", 200, "",
			func(string) judge.Sink { return judge.Sink{Kind: "email"} }, `unknown sink kind "email"`},
		{"webhook without url", 200, "",
			func(string) judge.Sink { return judge.Sink{Kind: outbox.SinkWebhook} }, "sink has no url"},
		{"pagerduty without routing key", 200, "",
			func(u string) judge.Sink { return judge.Sink{Kind: outbox.SinkPagerDuty, URL: u} }, "no routing_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, tt.status)
			srv.body = tt.body
			sink := tt.sink(srv.URL)
			ob := newOutbox(t, sink)
			enqueue(t, ob, page(0, sink))
			d, _, reg := testDispatcher(t, ob, nil)
			if n, err := d.Tick(context.Background()); n != 0 || err != nil {
				t.Fatalf("Tick = %d, %v", n, err)
			}
			e := entry(t, ob, 1)
			if e.State != outbox.StateDead || e.Attempts != 1 || !strings.Contains(e.LastError, tt.wantErr) || e.DeadAt == nil {
				t.Fatalf("message = %+v; want dead after 1 attempt with %q", e, tt.wantErr)
			}
			if c := counter(t, reg, sinkLabel(sink.Kind), outcomeDead); c != 1 {
				t.Errorf("dead counter = %v", c)
			}
			if g := gauge(t, reg, "canaryjudge_outbox_messages", map[string]string{"state": "dead"}); g != 1 {
				t.Errorf("canaryjudge_outbox_messages{state=dead} = %v, want 1", g)
			}
		})
	}
}

// A reference to a sink that no policy version has (a hand-edited row, a
// deleted policy) is dead at once rather than retried for hours.
func TestMissingSinkIsDead(t *testing.T) {
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: "http://127.0.0.1:1/never"}
	ob := newOutbox(t, sink)
	m := page(0, sink)
	m.Sink.Index = 3
	enqueue(t, ob, m)
	d, _, _ := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, ob, 1); e.State != outbox.StateDead || !strings.Contains(e.LastError, "sink 3 of policy payments version 1 does not exist") {
		t.Fatalf("message = %+v", e)
	}
}

func TestMaxAttemptsMakesDead(t *testing.T) {
	srv := newRecorder(t, 503)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL}
	ob := newOutbox(t, sink)
	m := page(0, sink)
	m.Attempts = 4 // MaxAttempts is 5 in testDispatcher: this is the last try
	enqueue(t, ob, m)
	d, clk, _ := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	if e := entry(t, ob, 1); e.State != outbox.StateDead || e.Attempts != 5 || e.LastError != "HTTP 503: (empty body)" || !e.DeadAt.Equal(t0) {
		t.Errorf("message = %+v, want dead after 5 attempts", e)
	}
	clk.Advance(time.Hour)
	if n, _ := d.Tick(context.Background()); n != 0 || len(srv.requests()) != 1 {
		t.Error("a dead message was tried again")
	}
}

func TestTransportErrorRetriesWithoutLeakingURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T000/B000/s3cr3t-token"
	srv.Close() // connection refused from now on
	sink := judge.Sink{Kind: outbox.SinkSlack, URL: url}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, _ := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	e := entry(t, ob, 1)
	if e.State != outbox.StatePending || !e.NextAttemptAt.Equal(t0.Add(750*time.Millisecond)) {
		t.Fatalf("message = %+v; want a retry after 750ms", e)
	}
	if strings.Contains(e.LastError, "s3cr3t") || strings.Contains(e.LastError, "/services/") || !strings.Contains(e.LastError, "connection refused") {
		t.Errorf("last error %q leaks the url or does not say why", e.LastError)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempts   int
		rand       float64
		retryAfter time.Duration
		want       time.Duration
	}{
		{1, 0.5, 0, 750 * time.Millisecond},
		{2, 0.5, 0, 1500 * time.Millisecond},
		{6, 0.5, 0, 24 * time.Second},
		{7, 0.5, 0, 45 * time.Second}, // 64s capped at 60s, then jittered
		{60, 0.5, 0, 45 * time.Second},
		{1, 0, 0, 500 * time.Millisecond},
		{1, 1, 0, time.Second},
		{1, 7, 0, time.Second},                            // a bad source is clamped
		{1, -1, 0, 500 * time.Millisecond},                // likewise
		{1, 0.5, 10 * time.Second, 10 * time.Second},      // Retry-After raises it...
		{1, 0.5, time.Hour, time.Minute},                  // ...but never past the cap
		{3, 0.5, 100 * time.Millisecond, 3 * time.Second}, // and never lowers it
	}
	for _, tt := range tests {
		d := New(failing{}, Options{BaseBackoff: time.Second, MaxBackoff: time.Minute,
			Rand: func() float64 { return tt.rand }})
		if got := d.backoff(tt.attempts, tt.retryAfter); got != tt.want {
			t.Errorf("backoff(%d, rand %v, retry-after %v) = %v, want %v",
				tt.attempts, tt.rand, tt.retryAfter, got, tt.want)
		}
	}
}

func TestClaimErrorIsReturned(t *testing.T) {
	d := New(failing{}, Options{})
	if n, err := d.Tick(context.Background()); n != 0 || !errors.Is(err, errDBDown) {
		t.Errorf("Tick = %d, %v; want 0 and %v", n, err, errDBDown)
	}
}

var errDBDown = errors.New("db down")

// failing is an outbox whose database is down.
type failing struct{}

func (failing) Claim(context.Context, time.Time, int, time.Duration) ([]outbox.Message, error) {
	return nil, errDBDown
}
func (failing) Delivered(context.Context, int64, int64, time.Time) error  { return errDBDown }
func (failing) Retry(context.Context, int64, int64, outbox.Failure) error { return errDBDown }
func (failing) Backlog(context.Context) (outbox.Backlog, error)           { return outbox.Backlog{}, errDBDown }
func (failing) NotifySink(context.Context, string, outbox.SinkRef) (judge.Sink, error) {
	return judge.Sink{}, errDBDown
}
