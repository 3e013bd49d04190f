package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// testOutboxDeadLetters: dead messages are listed newest first with a
// keyset, filtered by state and service, counted in the backlog, and a
// redelivery makes one due again with a fresh budget, audited.
func testOutboxDeadLetters(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments", "search")
	create(t, s, release("r1", "payments", "eu-1"))
	create(t, s, release("r2", "search", "eu-1"))
	for i := range 3 {
		enqueue(t, s, "r1", message(outbox.KindPage, t0.Add(time.Duration(i)*time.Second)))
	}
	enqueue(t, s, "r2", message(outbox.KindPage, t0))
	// Kill r1's three pages and r2's one, in turn; leave nothing pending.
	for range 4 {
		got := claimAt(t, s, time.Hour, 10)
		for _, m := range got {
			if err := s.Retry(ctx, m.ID, m.Claim, outbox.Failure{Attempts: 15, At: t0.Add(time.Hour), Err: "HTTP 503", Dead: true}); err != nil {
				t.Fatal(err)
			}
		}
	}
	enqueue(t, s, "r2", message(outbox.KindInfo, t0.Add(2*time.Hour)))
	if b, err := s.Backlog(ctx); err != nil || b.Dead != 4 || b.Pending != 1 || b.OldestPending == nil || !b.OldestPending.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("Backlog = %+v, %v; want 4 dead, 1 pending since t0+2h", b, err)
	}
	list := func(q outbox.Query) []outbox.Entry {
		t.Helper()
		es, err := s.ListOutbox(ctx, q)
		if err != nil {
			t.Fatalf("ListOutbox(%+v): %v", q, err)
		}
		return es
	}
	dead := list(outbox.Query{State: outbox.StateDead})
	if len(dead) != 4 || dead[0].ReleaseID != "r2" || dead[0].ID < dead[1].ID || dead[1].ID < dead[2].ID {
		t.Fatalf("dead list = %+v, want 4, newest first", dead)
	}
	e := dead[1]
	if e.State != outbox.StateDead || e.Attempts != 15 || e.LastError != "HTTP 503" || e.DeadAt == nil ||
		!e.DeadAt.Equal(t0.Add(time.Hour)) || e.NextAttemptAt != nil || e.DeliveredAt != nil || e.Sink != outbox.RefOf(1, 0, hook) {
		t.Fatalf("dead entry = %+v", e)
	}
	page1 := list(outbox.Query{State: outbox.StateDead, Service: "payments", Limit: 2})
	page2 := list(outbox.Query{State: outbox.StateDead, Service: "payments", Limit: 2, BeforeID: page1[1].ID})
	if len(page1) != 2 || len(page2) != 1 || page2[0].ID >= page1[1].ID || page1[0].ID != dead[1].ID {
		t.Fatalf("keyset pages = %+v / %+v", page1, page2)
	}
	for _, c := range []struct {
		services []string
		want     int
	}{{[]string{"search"}, 1}, {[]string{"payments"}, 3}, {[]string{"payments", "search"}, 4}, {[]string{"nobody"}, 0}} {
		got := list(outbox.Query{State: outbox.StateDead, Services: c.services})
		if len(got) != c.want {
			t.Errorf("dead list for services %v = %d entries, want %d", c.services, len(got), c.want)
		}
		for _, e := range got {
			if e.Service != c.services[0] && (len(c.services) == 1 || e.Service != c.services[1]) {
				t.Errorf("dead list for services %v holds %s's message %d", c.services, e.Service, e.ID)
			}
		}
	}
	if p := list(outbox.Query{State: outbox.StatePending}); len(p) != 1 || p[0].Kind != outbox.KindInfo || p[0].NextAttemptAt == nil {
		t.Fatalf("pending list = %+v", p)
	}
	if _, err := s.ListOutbox(ctx, outbox.Query{State: "lost"}); err == nil {
		t.Fatal("ListOutbox with an unknown state succeeded")
	}
	testRedeliver(t, s, e, list(outbox.Query{State: outbox.StatePending})[0].ID)
}

func testRedeliver(t *testing.T, s store.Full, dead outbox.Entry, pendingID int64) {
	ctx := context.Background()
	at := t0.Add(3 * time.Hour)
	got, err := s.Redeliver(ctx, dead.ID, at, store.AuditEntry{Actor: "oncall", Action: "outbox:redeliver"})
	if err != nil || got.State != outbox.StatePending || got.Attempts != 0 || got.NextAttemptAt == nil || !got.NextAttemptAt.Equal(at) {
		t.Fatalf("Redeliver = %+v, %v", got, err)
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r1", Desc: true, Limit: 1})
	if err != nil || len(log) != 1 || log[0].Action != "outbox:redeliver" || log[0].Actor != "oncall" || log[0].Service != "payments" || !log[0].At.Equal(at) {
		t.Fatalf("audit after Redeliver = %+v, %v", log, err)
	}
	if _, err := s.Redeliver(ctx, dead.ID, at, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Redeliver of a pending message: %v, want ErrConflict", err)
	}
	if _, err := s.Redeliver(ctx, pendingID, at, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("Redeliver of a never-dead message: %v, want ErrConflict", err)
	}
	if _, err := s.Redeliver(ctx, 999999, at, store.AuditEntry{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Redeliver of an unknown id: %v, want ErrNotFound", err)
	}
	// Both are due on one sink: r2's info (due since t0+2h) goes first.
	info := claimAt(t, s, 3*time.Hour, 10)
	if len(info) != 1 || info[0].ID != pendingID {
		t.Fatalf("Claim after Redeliver = %s, want r2's info first", ids(info))
	}
	if err := s.Delivered(ctx, info[0].ID, info[0].Claim, at); err != nil {
		t.Fatal(err)
	}
	if got := claimAt(t, s, 3*time.Hour, 10); len(got) != 1 || got[0].ID != dead.ID {
		t.Fatalf("Claim = %s, want the redelivered page %d", ids(got), dead.ID)
	}
}

// testOutboxClaimReplicas: two claimers on the same data, racing: every
// message is handed out and recorded exactly once, no sink ever has two
// messages in flight, and each release's messages to a sink are recorded
// in id order.
func testOutboxClaimReplicas(t *testing.T, newStore Factory) {
	ctx := context.Background()
	a, replica := newStore(t)
	b := replica(t)
	sinks := []outbox.SinkRef{outbox.RefOf(1, 0, hook), outbox.RefOf(1, 1, slow), outbox.RefOf(1, 2, fast)}
	sinkPolicy(t, a, "payments", hook, slow, fast)
	const releases, perSink = 6, 4
	total := 0
	for r := range releases {
		id := fmt.Sprintf("r%d", r)
		create(t, a, release(id, "payments", id))
		var msgs []outbox.Message
		for i := range perSink {
			msgs = append(msgs, messageTo(outbox.KindInfo, t0.Add(time.Duration(i)*time.Millisecond), sinks[(r+i)%len(sinks)]))
		}
		enqueue(t, a, id, msgs...)
		total += len(msgs)
	}
	var (
		mu       sync.Mutex
		inFlight = map[string]bool{}
		done     = map[int64]int{}
		last     = map[string]int64{} // release+sink -> last recorded id
		wg       sync.WaitGroup
	)
	errs := make([]error, 2)
	for i, s := range []store.Full{a, b} {
		wg.Go(func() { errs[i] = claimLoop(ctx, s, total, &mu, inFlight, done, last) })
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || len(done) != total {
		t.Fatalf("claimers recorded %d distinct messages of %d (errors %v, %v)", len(done), total, errs[0], errs[1])
	}
	for id, c := range done {
		if c != 1 {
			t.Errorf("message %d recorded %d times", id, c)
		}
	}
}

// claimLoop claims and records until all total messages are done (by
// either claimer), checking the one-in-flight-per-sink and order promises.
func claimLoop(ctx context.Context, s store.Full, total int, mu *sync.Mutex, inFlight map[string]bool, done map[int64]int, last map[string]int64) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		finished := len(done) == total
		mu.Unlock()
		if finished {
			return nil
		}
		batch, err := s.Claim(ctx, t0.Add(time.Second), 2, time.Hour)
		if err != nil {
			return err
		}
		for _, m := range batch {
			key := m.ReleaseID + "/" + m.Sink.Key
			mu.Lock()
			if inFlight[m.Sink.Key] {
				mu.Unlock()
				return fmt.Errorf("message %d claimed while its sink %s has another in flight", m.ID, m.Sink.Kind)
			}
			if m.ID < last[key] {
				mu.Unlock()
				return fmt.Errorf("message %d of %s claimed after the later %d", m.ID, m.ReleaseID, last[key])
			}
			last[key], done[m.ID] = m.ID, done[m.ID]+1
			inFlight[m.Sink.Key] = true
			mu.Unlock()
			_, err := s.Backlog(ctx) // "deliver": a round trip while the sink is marked in flight
			mu.Lock()                // the sink stays leased until Delivered commits, so freeing it first is safe
			delete(inFlight, m.Sink.Key)
			mu.Unlock()
			if err != nil {
				return err
			}
			if err := s.Delivered(ctx, m.ID, m.Claim, t0.Add(time.Second)); err != nil {
				return err
			}
		}
	}
	return errors.New("claimers did not finish within 30s")
}
