package notify

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/prometheus/client_golang/prometheus"
)

func TestEventsFilter(t *testing.T) {
	srv := newRecorder(t, 200)
	sink := judge.Sink{Kind: SinkWebhook, URL: srv.URL, Events: []string{KindPage}}
	pg, res, info := page(1, sink), page(2, sink), page(3, sink)
	res.Kind, info.Kind = KindResolve, KindInfo
	ob := newFakeOutbox(pg, res, info)
	d, _, reg := testDispatcher(t, ob, nil)

	if n, err := d.Tick(context.Background()); n != 3 || err != nil {
		t.Fatalf("Tick = %d, %v; want 3 (1 sent, 2 skipped)", n, err)
	}
	reqs := srv.requests()
	if len(reqs) != 1 || reqs[0].Header.Get(HeaderIdempotency) != "1" {
		t.Fatalf("sent %d requests; want only the page", len(reqs))
	}
	for id := int64(1); id <= 3; id++ {
		if ob.row(id).delivered == nil {
			t.Errorf("message %d not marked delivered", id)
		}
	}
	if counter(t, reg, SinkWebhook, outcomeSkipped) != 2 || counter(t, reg, SinkWebhook, outcomeDelivered) != 1 {
		t.Error("counters do not show 1 delivered and 2 skipped")
	}
}

// Run drains a backlog in back-to-back full batches without waiting PollInterval,
// then idles, and returns nil when its context is cancelled.
func TestRunDrainsThenStopsOnCancel(t *testing.T) {
	srv := newRecorder(t, 200)
	var msgs []Message
	for i := int64(1); i <= 5; i++ {
		msgs = append(msgs, page(i, judge.Sink{Kind: SinkSlack, URL: srv.URL}))
	}
	ob := newFakeOutbox(msgs...)
	d, _, _ := testDispatcher(t, ob, func(o *Options) { o.Batch = 2; o.PollInterval = time.Hour })

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	waitFor(t, func() bool { return len(srv.requests()) == 5 })
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run = %v, want nil on cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
}

// Cancelling mid-send records nothing: the lease brings the message back later
// with its attempt count unchanged.
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
	ob := newFakeOutbox(page(1, judge.Sink{Kind: SinkWebhook, URL: srv.URL}))
	d, _, reg := testDispatcher(t, ob, nil)

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	<-entered
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if calls := ob.retryCalls(); len(calls) != 0 || ob.row(1).delivered != nil {
		t.Errorf("cancelled send was recorded: %+v", calls)
	}
	if counter(t, reg, SinkWebhook, outcomeRetry) != 0 {
		t.Error("cancelled send was counted as a retry")
	}
}

// Two dispatchers ticking concurrently over one outbox deliver every message exactly
// once; they share a registry, so the counters add up across both.
func TestConcurrentDispatchersDeliverOnce(t *testing.T) {
	const total = 200
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.Header.Get(HeaderIdempotency)]++
		mu.Unlock()
	}))
	defer srv.Close()
	var msgs []Message
	for i := int64(1); i <= total; i++ {
		msgs = append(msgs, page(i, judge.Sink{Kind: SinkWebhook, URL: srv.URL, Secret: "k"}))
	}
	ob := newFakeOutbox(msgs...)
	reg := prometheus.NewRegistry()
	opts := func(o *Options) { o.Batch = 7; o.Registerer = reg }
	d1, _, _ := testDispatcher(t, ob, opts)
	d2, _, _ := testDispatcher(t, ob, opts)

	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, d := range []*Dispatcher{d1, d2} {
		wg.Go(func() {
			for {
				n, err := d.Tick(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
				counts[i] += n
			}
		})
	}
	wg.Wait()

	if counts[0]+counts[1] != total {
		t.Errorf("delivered %d + %d, want %d in all", counts[0], counts[1], total)
	}
	for i := 1; i <= total; i++ {
		if n := seen[strconv.Itoa(i)]; n != 1 {
			t.Errorf("message %d sent %d times", i, n)
		}
	}
	if got := counter(t, reg, SinkWebhook, outcomeDelivered); got != total {
		t.Errorf("shared counter = %v, want %d", got, total)
	}
}

// A dispatcher stops a batch when one more send could outlive the lease, and the
// rest come back once the lease expires, no attempt counted.
func TestLeaseGuardLeavesRestOfBatch(t *testing.T) {
	var clk *clock
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		clk.Advance(6 * time.Second) // a slow sink
	}))
	defer srv.Close()
	sink := judge.Sink{Kind: SinkWebhook, URL: srv.URL}
	ob := newFakeOutbox(page(1, sink), page(2, sink))
	d, c, _ := testDispatcher(t, ob, func(o *Options) {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
		o.Lease = 15 * time.Second
	})
	clk = c

	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick = %d, %v; want 1 (the second would end after the lease)", n, err)
	}
	if r := ob.row(2); r.delivered != nil || r.msg.Attempts != 0 {
		t.Fatalf("message 2 was touched: %+v", r)
	}
	if n, _ := d.Tick(context.Background()); n != 0 {
		t.Fatal("message 2 reclaimed while still leased")
	}
	clk.Advance(9 * time.Second) // t0+15s: the lease is over
	if n, err := d.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("Tick after lease = %d, %v; want 1", n, err)
	}
}

func TestDefaults(t *testing.T) {
	o := Options{MaxBackoff: time.Millisecond}.withDefaults()
	got := fmt.Sprintln(o.HTTPClient.Timeout, o.Batch, o.Lease, o.PollInterval, o.BaseBackoff,
		o.MaxBackoff, o.MaxAttempts, o.Source, o.Now != nil, o.Rand != nil, o.Logger != nil)
	if want := "10s 10 2m0s 2s 5s 5s 15 canaryjudge true true true\n"; got != want {
		t.Errorf("defaults %q, want %q (MaxBackoff raised to BaseBackoff)", got, want)
	}
	// No registerer is fine, and so is registering twice on one registry.
	New(newFakeOutbox(), Options{})
	reg := prometheus.NewRegistry()
	New(newFakeOutbox(), Options{Registerer: reg})
	New(newFakeOutbox(), Options{Registerer: reg})
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
