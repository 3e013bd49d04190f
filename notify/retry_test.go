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
)

func TestRetryWithBackoffThenSuccess(t *testing.T) {
	srv := newRecorder(t, 500, 502, 503, 200)
	ob := newFakeOutbox(page(1, judge.Sink{Kind: SinkWebhook, URL: srv.URL, Secret: "k"}))
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
		got := ob.retryCalls()[i]
		if got.Attempts != i+1 || !got.Next.Equal(at) || got.Dead || !strings.HasPrefix(got.LastErr, "HTTP 5") {
			t.Fatalf("attempt %d recorded %+v; want attempts %d, next %v, not dead", i+1, got, i+1, at)
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
	if r := ob.row(1); r.delivered == nil || !r.delivered.Equal(at) {
		t.Errorf("delivered at %v, want %v", r.delivered, at)
	}
	// Every retry carries the same idempotency key and a valid, fresh signature.
	for _, r := range srv.requests() {
		if r.Header.Get(HeaderIdempotency) != "1" || r.Header.Get(HeaderSignature) == "" {
			t.Errorf("retry headers %v", r.Header)
		}
	}
	if counter(t, reg, SinkWebhook, outcomeRetry) != 3 || counter(t, reg, SinkWebhook, outcomeDelivered) != 1 {
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
	ob := newFakeOutbox(page(1, judge.Sink{Kind: SinkSlack, URL: srv.URL}))
	d, _, reg := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := retryCall{ID: 1, Attempts: 1, Next: t0.Add(7 * time.Second), LastErr: "HTTP 429: rate_limited"}
	if got := ob.retryCalls(); len(got) != 1 || got[0] != want {
		t.Errorf("retries %+v, want [%+v]", got, want)
	}
	if counter(t, reg, SinkSlack, outcomeRetry) != 1 {
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
			func(u string) judge.Sink { return judge.Sink{Kind: SinkPagerDuty, URL: u, RoutingKey: "x"} },
			"HTTP 400: " + pdBody},
		{"slack 404", 404, "no_service",
			func(u string) judge.Sink { return judge.Sink{Kind: SinkSlack, URL: u} }, "HTTP 404: no_service"},
		{"webhook 401", 401, "",
			func(u string) judge.Sink { return judge.Sink{Kind: SinkWebhook, URL: u} }, "HTTP 401: (empty body)"},
		{"unknown sink kind", 200, "",
			func(string) judge.Sink { return judge.Sink{Kind: "email"} }, `unknown sink kind "email"`},
		{"webhook without url", 200, "",
			func(string) judge.Sink { return judge.Sink{Kind: SinkWebhook} }, "sink has no url"},
		{"pagerduty without routing key", 200, "",
			func(u string) judge.Sink { return judge.Sink{Kind: SinkPagerDuty, URL: u} }, "no routing_key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newRecorder(t, tt.status)
			srv.body = tt.body
			m := page(1, tt.sink(srv.URL))
			ob := newFakeOutbox(m)
			d, _, reg := testDispatcher(t, ob, nil)
			if n, err := d.Tick(context.Background()); n != 0 || err != nil {
				t.Fatalf("Tick = %d, %v", n, err)
			}
			got := ob.retryCalls()
			if len(got) != 1 || !got[0].Dead || got[0].Attempts != 1 || !strings.Contains(got[0].LastErr, tt.wantErr) {
				t.Fatalf("retries %+v; want one dead call with %q", got, tt.wantErr)
			}
			if c := counter(t, reg, sinkLabel(m.Sink.Kind), outcomeDead); c != 1 {
				t.Errorf("dead counter = %v", c)
			}
		})
	}
}

func TestMaxAttemptsMakesDead(t *testing.T) {
	srv := newRecorder(t, 503)
	m := page(1, judge.Sink{Kind: SinkWebhook, URL: srv.URL})
	m.Attempts = 4 // MaxAttempts is 5 in testDispatcher: this is the last try
	ob := newFakeOutbox(m)
	d, _, _ := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := retryCall{ID: 1, Attempts: 5, Next: t0, LastErr: "HTTP 503: (empty body)", Dead: true}
	if got := ob.retryCalls(); len(got) != 1 || got[0] != want {
		t.Errorf("retries %+v, want [%+v]", got, want)
	}
	if n, _ := d.Tick(context.Background()); n != 0 || len(srv.requests()) != 1 {
		t.Error("a dead message was tried again")
	}
}

func TestTransportErrorRetriesWithoutLeakingURL(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL + "/services/T000/B000/s3cr3t-token"
	srv.Close() // connection refused from now on
	ob := newFakeOutbox(page(1, judge.Sink{Kind: SinkSlack, URL: url}))
	d, _, _ := testDispatcher(t, ob, nil)
	if _, err := d.Tick(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := ob.retryCalls()
	if len(got) != 1 || got[0].Dead || got[0].Next != t0.Add(750*time.Millisecond) {
		t.Fatalf("retries %+v; want one retry after 750ms", got)
	}
	if strings.Contains(got[0].LastErr, "s3cr3t") || !strings.Contains(got[0].LastErr, "<sink url>") {
		t.Errorf("lastErr %q leaks or lacks the redacted url", got[0].LastErr)
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
		d := New(newFakeOutbox(), Options{BaseBackoff: time.Second, MaxBackoff: time.Minute,
			Rand: func() float64 { return tt.rand }})
		if got := d.backoff(tt.attempts, tt.retryAfter); got != tt.want {
			t.Errorf("backoff(%d, rand %v, retry-after %v) = %v, want %v",
				tt.attempts, tt.rand, tt.retryAfter, got, tt.want)
		}
	}
}

func TestClaimErrorIsReturned(t *testing.T) {
	boom := errors.New("db down")
	d := New(claimErr{boom}, Options{})
	if n, err := d.Tick(context.Background()); n != 0 || !errors.Is(err, boom) {
		t.Errorf("Tick = %d, %v; want 0 and %v", n, err, boom)
	}
}

type claimErr struct{ err error }

func (c claimErr) Claim(context.Context, time.Time, int, time.Duration) ([]Message, error) {
	return nil, c.err
}
func (claimErr) Delivered(context.Context, int64, time.Time) error { return nil }
func (claimErr) Retry(context.Context, int64, int, time.Time, string, bool) error {
	return nil
}
