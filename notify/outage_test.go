package notify_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// TestPagesResumeAfterOutage stops PostgreSQL (immediate shutdown) for 10
// seconds under paging load, with deliveries in flight and their sinks
// leased, then starts it again: every sink is delivering again within 5
// seconds of PostgreSQL's return (no lease taken before the outage blocks
// it), every page held during the outage is delivered, and none is lost.
// Two replicas' dispatchers deliver, with their defaults; one of them dies
// with the database (its sinks leased, its outcomes never recorded): its
// leases run out during the outage and the survivor takes its pages over.
func TestPagesResumeAfterOutage(t *testing.T) {
	cl := pgtest.NewCluster(t)
	url := cl.URL(t)
	durable(t, url) // a commit acknowledged before the crash survives it, as in production
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	doomed, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	arr := newArrivals()
	srv := httptest.NewServer(arr.handler(100 * time.Millisecond)) // a send takes 100ms: sinks are leased at the stop
	t.Cleanup(srv.Close)
	sinks := webhooks(srv, "s", 8)
	releases := make([]string, 20)
	for i := range releases {
		releases[i] = fmt.Sprintf("r%d", i)
	}
	fixture(t, st, sinks, releases...)
	ctx, cancel := context.WithCancel(context.Background())
	d := notify.New(st, notify.Options{})
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	dctx, kill := context.WithCancel(context.Background())
	killed := make(chan error, 1)
	tag := &tagger{replica: "doomed", delay: time.Second} // its sends are slow: it holds sinks when the database stops
	go func() { killed <- notify.New(doomed, notify.Options{HTTPClient: tag.client()}).Run(dctx) }()
	p := &pager{st: st, sinks: sinks, releases: releases}
	stopLoad := make(chan struct{})
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); p.run(200*time.Millisecond, stopLoad) }() // 40 pages/s
	time.Sleep(3 * time.Second)                                                  // the load runs: the outage comes mid-traffic,
	waitUntil(t, "the second replica has a send in flight", func() bool { return tag.inFlight.Load() > 0 })
	burst, bctx := 10, context.Background() // after a burst of escalations: ten pages queued on every sink
	for i := range burst {
		p.escalate(bctx, 1000+i)
	}
	down, deadHeld := time.Now(), tag.inFlight.Load()
	cl.Stop()
	doomed.Close() // the second replica dies with the database: nothing it held is ever recorded
	kill()
	if err := <-killed; err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Second) // the outage itself
	cl.Start(t)
	back := time.Now()
	time.Sleep(8 * time.Second) // load after the return
	close(stopLoad)
	<-loadDone
	ok, failed := p.counts()
	eventually(t, "every enqueued page delivered", func() bool { return countState(t, st, outbox.StatePending) == 0 })
	// Every escalation acknowledged is delivered; one refused by the stop
	// may still have committed (its answer lost with the connection).
	if n, dead := countState(t, st, outbox.StateDelivered), countState(t, st, outbox.StateDead); n != len(arr.first()) || dead != 0 || n < ok*len(sinks) {
		t.Errorf("%d pages delivered (%d dead), %d received, %d escalations acknowledged", n, dead, len(arr.first()), ok)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	first := arr.first()
	held, resumed := 0, map[string]time.Duration{}
	var drain time.Duration
	var after []time.Duration
	for id, at := range first {
		created, path := arr.meta(id)
		if created.Before(down) && at.After(down) {
			held++
			drain = max(drain, at.Sub(back))
		}
		if at.After(back) {
			if r, seen := resumed[path]; !seen || at.Sub(back) < r {
				resumed[path] = at.Sub(back)
			}
		}
		if created.After(back) {
			after = append(after, at.Sub(created))
		}
	}
	var worst time.Duration
	for _, r := range resumed {
		worst = max(worst, r)
	}
	dups, _ := arr.duplicates("doomed")
	doomedAll := arr.sentBy("doomed")
	t.Logf("the dead replica sent %d pages and held %d sinks (sends in flight) when it died with the database", doomedAll, deadHeld)
	t.Logf("outage %s; %d escalations enqueued (%d refused while down), %d pages; %d held at the stop, drained %s after the return; "+
		"every sink delivering again within %s of the return (first page %s); pages created after the return: p50 %s, p99 %s; %d sent twice",
		back.Sub(down).Round(time.Millisecond), ok, failed, len(first), held, drain.Round(time.Millisecond), worst.Round(time.Millisecond),
		minOf(resumed).Round(time.Millisecond), quantile(after, 0.5).Round(time.Millisecond), quantile(after, 0.99).Round(time.Millisecond),
		dups)
	if len(resumed) != len(sinks) {
		t.Fatalf("only %d of %d sinks got a page after the return", len(resumed), len(sinks))
	}
	if worst > 5*time.Second {
		t.Errorf("a sink resumed %s after PostgreSQL returned; want <= 5s", worst)
	}
	if held < len(sinks)*burst/2 {
		t.Errorf("only %d pages were held over the outage: the test did not stop PostgreSQL mid-traffic", held)
	}
	if all, others := arr.duplicates("doomed"); others != 0 || all > len(sinks) {
		t.Errorf("%d pages sent twice, %d of them first sent by the surviving replica; only pages the dead replica "+
			"sent (at most one per sink) may be sent again", all, others)
	}
}

func minOf(m map[string]time.Duration) time.Duration {
	first, out := true, time.Duration(0)
	for _, d := range m {
		if first || d < out {
			out, first = d, false
		}
	}
	return out
}

// waitUntil polls cond every millisecond for up to 10 seconds.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("not within 10s: %s", what)
		}
	}
}

// durable turns synchronous_commit back on for the database at url (the
// test clusters run with it off, for speed, and an immediate shutdown may
// then lose commits it acknowledged).
func durable(t *testing.T, url string) {
	t.Helper()
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.Pool().Exec(context.Background(), `DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET synchronous_commit = on', current_database()); END $$`); err != nil {
		t.Fatal(err)
	}
}
