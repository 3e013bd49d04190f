package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

func TestEventsFilter(t *testing.T) {
	srv := newRecorder(t, 200)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL, Events: []string{outbox.KindPage}}
	pg, res, info := page(0, sink), page(0, sink), page(0, sink)
	res.Kind, info.Kind = outbox.KindResolve, outbox.KindInfo
	ob := newOutbox(t, sink)
	enqueue(t, ob, pg, res, info)
	d, _, reg := testDispatcher(t, ob, nil)

	for want := 1; want <= 3; want++ { // one sink: one message per tick, in order
		if n, err := d.Tick(context.Background()); n != 1 || err != nil {
			t.Fatalf("Tick %d = %d, %v; want 1", want, n, err)
		}
	}
	reqs := srv.requests()
	if len(reqs) != 1 || reqs[0].Header.Get(HeaderIdempotency) != "1" {
		t.Fatalf("sent %d requests; want only the page", len(reqs))
	}
	for id := int64(1); id <= 3; id++ {
		if entry(t, ob, id).State != outbox.StateDelivered {
			t.Errorf("message %d not marked delivered", id)
		}
	}
	if counter(t, reg, outbox.SinkWebhook, outcomeSkipped) != 2 || counter(t, reg, outbox.SinkWebhook, outcomeDelivered) != 1 {
		t.Error("counters do not show 1 delivered and 2 skipped")
	}
}

// Run drains a backlog over several sinks without waiting PollInterval (a
// finished delivery claims again at once), then idles, and returns nil when
// its context is cancelled.
func TestRunDrainsThenStopsOnCancel(t *testing.T) {
	srv := newRecorder(t, 200)
	var sinks []judge.Sink
	for i := range 3 {
		sinks = append(sinks, judge.Sink{Kind: outbox.SinkWebhook, URL: fmt.Sprintf("%s/s%d", srv.URL, i)})
	}
	ob := newOutbox(t, sinks...)
	var msgs []outbox.Message
	for i := range 12 {
		msgs = append(msgs, page(i%3, sinks[i%3]))
	}
	enqueue(t, ob, msgs...)
	d, _, _ := testDispatcher(t, ob, func(o *Options) { o.Concurrency = 2; o.PollInterval = time.Hour })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, func() bool { return len(srv.requests()) == 12 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	// One release, so each sink got its four messages in id order.
	last := map[string]int{}
	for _, r := range srv.requests() {
		id, err := strconv.Atoi(r.Header.Get(HeaderIdempotency))
		if err != nil || id < last[r.Path] {
			t.Errorf("sink %s got message %d (%v) after %d", r.Path, id, err, last[r.Path])
		}
		last[r.Path] = id
	}
}

// Cancelling mid-send counts no attempt and frees the sink at once: the
// message is due again immediately, not after the lease.
func TestCancelDuringSendRecordsNoAttempt(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(entered)
		select { // hang until the client gives up (or the test ends)
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, reg := testDispatcher(t, ob, nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if e := entry(t, ob, 1); e.Attempts != 0 || e.State != outbox.StatePending || !e.NextAttemptAt.Equal(t0) {
		t.Errorf("after a cancelled send: %+v; want pending, 0 attempts, due at once", e)
	}
	if got, err := ob.Claim(context.Background(), t0, 10, time.Minute); err != nil || len(got) != 1 {
		t.Errorf("Claim after shutdown = %v, %v; want the message (its sink freed)", got, err)
	}
	if counter(t, reg, outbox.SinkWebhook, outcomeRetry) != 0 {
		t.Error("cancelled send was counted as a retry")
	}
}

// A sink that never answers fails its attempt at Timeout and is retried;
// the failure says so.
func TestTimeoutPerAttempt(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	d, _, _ := testDispatcher(t, ob, func(o *Options) { o.Timeout = 50 * time.Millisecond })
	if n, err := d.Tick(context.Background()); n != 0 || err != nil {
		t.Fatalf("Tick = %d, %v", n, err)
	}
	if e := entry(t, ob, 1); e.Attempts != 1 || e.State != outbox.StatePending || e.LastError != "no answer within 50ms" {
		t.Errorf("after a timeout: %+v", e)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{MaxBackoff: time.Millisecond}.withDefaults()
	got := fmt.Sprintln(o.HTTPClient.Timeout, o.Timeout, o.Concurrency, o.SlowConcurrency, o.SlowAfter, o.Lease, o.PollInterval,
		o.BaseBackoff, o.MaxBackoff, o.MaxAttempts, o.Source, o.Now != nil, o.Rand != nil, o.Logger != nil)
	if want := "0s 10s 8 8 100ms 6s 500ms 5s 5s 15 canaryjudge true true true\n"; got != want {
		t.Errorf("defaults %q, want %q (MaxBackoff raised to BaseBackoff)", got, want)
	}
	if o := (Options{Concurrency: 3}).withDefaults(); o.SlowConcurrency != 3 {
		t.Errorf("SlowConcurrency = %d; want Concurrency's 3", o.SlowConcurrency)
	}
	// No registerer is fine, and so is registering twice on one registry.
	New(failing{}, Options{})
	reg := prometheus.NewRegistry()
	New(failing{}, Options{Registerer: reg})
	New(failing{}, Options{Registerer: reg})
	// A store that is down omits the backlog gauges; the scrape still works.
	if _, err := reg.Gather(); err != nil {
		t.Errorf("Gather with the store down: %v", err)
	}
}

// Logs name sinks by kind and reference, never by URL, key or secret.
func TestLogsKeepSecrets(t *testing.T) {
	srv := newRecorder(t, 500, 400)
	sink := judge.Sink{Kind: outbox.SinkWebhook, URL: srv.URL + "/hook/T0KEN-IN-PATH", Secret: "w3bh00k-secret"}
	ob := newOutbox(t, sink)
	enqueue(t, ob, page(0, sink))
	var logs strings.Builder
	d, clk, _ := testDispatcher(t, ob, func(o *Options) { o.Logger = slogTo(&logs) })
	for range 2 {
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Minute)
	}
	if entry(t, ob, 1).State != outbox.StateDead {
		t.Fatal("message not dead after 500 then 400")
	}
	out := logs.String()
	for _, secret := range []string{"T0KEN-IN-PATH", "w3bh00k-secret", srv.URL} {
		if strings.Contains(out, secret) {
			t.Errorf("logs contain %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "outcome=dead") || !strings.Contains(out, "policy_version=1") {
		t.Errorf("logs do not name the outcome and the sink reference:\n%s", out)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 10s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
