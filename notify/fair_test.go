package notify_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// hungSinks is how many sinks never answer in TestLiveSinkBehindHungSinks:
// six times the dispatcher's default Concurrency.
const hungSinks = 50

// TestLiveSinkBehindHungSinks: every escalation pages 50 sinks that never
// answer (each attempt runs into the 10-second Timeout) and one that
// answers at once. With the dispatcher's defaults (8 fast and 8 slow
// slots), the live sink's pages arrive within 2 seconds of being enqueued
// (p99, from the commit of the unit of work that wrote them), from the first escalation on, when none of the hung sinks is known
// yet to hang (each then holds a fast slot for SlowAfter, 100ms, once).
// Each store runs alone (the figures are latencies).
func TestLiveSinkBehindHungSinks(t *testing.T) {
	for _, name := range []string{"postgres", "memory"} {
		t.Run(name, func(t *testing.T) {
			var st store.Full = memory.New()
			if name == "postgres" {
				pg, err := postgres.Open(context.Background(), pgtest.URL(t))
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(pg.Close)
				st = pg
			}
			liveBehindHung(t, st)
		})
	}
}

func liveBehindHung(t *testing.T, st store.Full) {
	hung := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // (the server notices the client hanging up only once the body is read)
		<-r.Context().Done()
	}))
	t.Cleanup(hung.Close)
	arr := newArrivals()
	live := httptest.NewServer(arr.handler(0))
	t.Cleanup(live.Close)
	sinks := append(webhooks(hung, "hung", hungSinks/2), webhooks(live, "live", 1)...) // the live sink in the middle
	sinks = append(sinks, webhooks(hung, "late", hungSinks-hungSinks/2)...)
	releases := make([]string, 10)
	for i := range releases {
		releases[i] = fmt.Sprintf("r%d", i)
	}
	fixture(t, st, sinks, releases...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- notify.New(st, notify.Options{}).Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	p := &pager{st: st, sinks: sinks, releases: releases}
	started := time.Now()
	stop, loadDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(loadDone); p.run(125*time.Millisecond, stop) }()
	time.Sleep(15 * time.Second) // the load: 120 escalations of 51 pages each, the hung sinks' first attempts timing out
	close(stop)
	<-loadDone
	ok, failed := p.counts()
	if failed != 0 {
		t.Fatalf("%d escalations failed to enqueue", failed)
	}
	eventually(t, "every page to the live sink delivered", func() bool { return len(arr.first()) == ok })
	var lat []time.Duration // from the commit of the page's unit of work, when it became claimable
	var slowest []string
	for id, at := range arr.first() {
		committed, ok := p.committedAt(arr.summaryOf(id))
		if !ok {
			t.Fatalf("page %d (%q) is of no escalation the pager committed", id, arr.summaryOf(id))
		}
		lat = append(lat, max(at.Sub(committed), 0))
		if at.Sub(committed) > time.Second {
			slowest = append(slowest, fmt.Sprintf("%s (committed %s into the run) %s", arr.summaryOf(id),
				committed.Sub(started).Round(time.Millisecond), at.Sub(committed).Round(time.Millisecond)))
		}
	}
	if len(slowest) > 0 {
		t.Logf("pages to the live sink slower than 1s: %s", strings.Join(slowest, "; "))
	}
	pending := countState(t, st, outbox.StatePending)
	p50, p99, worst := quantile(lat, 0.5), quantile(lat, 0.99), quantile(lat, 1)
	t.Logf("%d hung sinks and 1 live: %d escalations; live sink latency p50 %s, p99 %s, max %s; %d pages to hung sinks pending",
		hungSinks, ok, p50.Round(time.Millisecond), p99.Round(time.Millisecond), worst.Round(time.Millisecond), pending)
	if p99 > 2*time.Second {
		t.Errorf("live sink p99 %s with %d hung sinks; want <= 2s", p99, hungSinks)
	}
	if all, _ := arr.duplicates(""); all != 0 {
		t.Errorf("%d pages to the live sink sent twice", all)
	}
}
