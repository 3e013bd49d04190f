package notify_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestTwoDispatchersDeliverOnce: two replicas' dispatchers (on PostgreSQL,
// two connection pools) race over 60 messages to 4 sinks: each message is
// delivered exactly once and each release's messages reach each sink in order.
func TestTwoDispatchersDeliverOnce(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full, replica func() store.Full) {
		got := make(chan received, 128)
		srv := receiver(t, got, func() int { return 0 })
		var sinks []judge.Sink
		for i := range 4 {
			sinks = append(sinks, judge.Sink{Kind: "webhook", URL: fmt.Sprintf("%s/s%d", srv.URL, i)})
		}
		var releases []string
		for i := range 10 {
			releases = append(releases, fmt.Sprintf("r%d", i))
		}
		fixture(t, st, sinks, releases...)
		at := time.Now().Add(-time.Minute)
		for i, r := range releases {
			for j := range 6 {
				send(t, st, r, []string{outbox.KindPage, outbox.KindResolve}[j%2], (i+j)%4, sinks[(i+j)%4], at)
			}
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		reg := prometheus.NewRegistry()
		for _, s := range []store.Full{st, replica()} {
			d := notify.New(s, notify.Options{Concurrency: 3, PollInterval: 10 * time.Millisecond, Registerer: reg})
			wg.Go(func() { _ = d.Run(ctx) })
		}
		seen := map[int64]int{}
		last := map[string]int64{}
		for len(seen) < 60 {
			select {
			case r := <-got:
				seen[r.ID]++
				key := r.ReleaseID + r.Path
				if r.ID < last[key] {
					t.Errorf("%s: message %d after %d", key, r.ID, last[key])
				}
				last[key] = r.ID
			case <-time.After(20 * time.Second):
				t.Fatalf("only %d of 60 messages delivered", len(seen))
			}
		}
		eventually(t, "all 60 recorded delivered", func() bool { return countState(t, st, outbox.StateDelivered) == 60 })
		cancel()
		wg.Wait()
		close(got)
		for r := range got { // anything sent after the 60th
			seen[r.ID]++
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("message %d delivered %d times", id, n)
			}
		}
	})
}
