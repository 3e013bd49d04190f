package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/store"
)

func ids(msgs []notify.Message) string {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return fmt.Sprint(out)
}

func enqueue(t *testing.T, s store.Full, id string, msgs ...notify.Message) {
	t.Helper()
	unit(t, s, id, func(tx store.ReleaseTx) error { return tx.Enqueue(context.Background(), msgs...) })
}

func testOutboxLifecycle(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	pageAt := odd.Add(-time.Minute) // nanoseconds and a zone, due before t0
	enqueue(t, s, "r1", message(notify.KindPage, pageAt), message(notify.KindInfo, t0), message(notify.KindResolve, t0))
	enqueue(t, s, "r1", message(notify.KindInfo, t0.Add(time.Hour))) // not due before then
	claim := func(at time.Duration, limit int) []notify.Message {
		t.Helper()
		msgs, err := s.Claim(ctx, t0.Add(at), limit, time.Minute)
		if err != nil {
			t.Fatalf("Claim at +%s: %v", at, err)
		}
		return msgs
	}
	first := claim(0, 2)
	if len(first) != 2 || first[0].ID >= first[1].ID {
		t.Fatalf("Claim(limit 2) = %s, want two messages in id order", ids(first))
	}
	m := first[0]
	if m.Kind != notify.KindPage || m.ReleaseID != "r1" || m.Service != "payments" || m.Target != "eu-1" || m.Attempts != 0 ||
		m.Severity != notify.SeverityCritical || m.Sink.URL != "https://hooks.example/cj" || len(m.Sink.Events) != 1 ||
		!m.CreatedAt.Equal(pageAt.Truncate(µs)) || m.CreatedAt.Location() != time.UTC {
		t.Fatalf("claimed message = %+v", m)
	}
	sameJSON(t, "details", m.Details, []byte(`{"reason":"rollback_cap","action":"escalate"}`))
	third := claim(0, 10)
	if len(third) != 1 || third[0].Kind != notify.KindResolve {
		t.Fatalf("second Claim = %s, want only the unclaimed due message", ids(third))
	}
	if got := claim(30*time.Second, 10); len(got) != 0 {
		t.Fatalf("Claim inside the lease = %s, want nothing", ids(got))
	}
	if got := claim(61*time.Second, 10); ids(got) != ids(append(first, third...)) {
		t.Fatalf("Claim after the lease = %s, want %s again", ids(got), ids(append(first, third...)))
	}
	// Outcomes: delivered, retried later, dead.
	if err := s.Delivered(ctx, first[1].ID, t0.Add(2*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, first[0].ID, 1, t0.Add(10*time.Minute), "503 from sink", false); err != nil {
		t.Fatal(err)
	}
	if err := s.Retry(ctx, third[0].ID, 5, t0.Add(10*time.Minute), "410 gone", true); err != nil {
		t.Fatal(err)
	}
	if got := claim(9*time.Minute, 10); len(got) != 0 {
		t.Fatalf("Claim before the retry is due = %s", ids(got))
	}
	got := claim(10*time.Minute, 10)
	if len(got) != 1 || got[0].ID != first[0].ID || got[0].Attempts != 1 {
		t.Fatalf("Claim when the retry is due = %+v, want message %d with 1 attempt", got, first[0].ID)
	}
	if late := claim(2*time.Hour, 10); len(late) != 2 || late[1].Kind != notify.KindInfo || late[0].ID != first[0].ID {
		t.Fatalf("Claim much later = %s; want the retried and the late message (never delivered or dead ones)", ids(late))
	}
	if err := s.Delivered(ctx, 999999, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delivered of an unknown id: %v, want ErrNotFound", err)
	}
	if err := s.Retry(ctx, 999999, 1, t0, "", false); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of an unknown id: %v, want ErrNotFound", err)
	}
	if got := claim(3*time.Hour, 0); len(got) != 0 {
		t.Fatalf("Claim(limit 0) = %s", ids(got))
	}
}

// testOutboxClaimReplicas: two dispatchers on the same data claiming at
// once never get the same message, and together get them all.
func testOutboxClaimReplicas(t *testing.T, newStore Factory) {
	ctx := context.Background()
	a, replica := newStore(t)
	b := replica(t)
	withPolicy(t, a, "payments")
	create(t, a, release("r1", "payments", "eu-1"))
	const n = 60
	msgs := make([]notify.Message, n)
	for i := range msgs {
		msgs[i] = message(notify.KindInfo, t0)
	}
	enqueue(t, a, "r1", msgs...)
	var (
		mu  sync.Mutex
		got = map[int64]int{}
		wg  sync.WaitGroup
	)
	errs := make([]error, 2)
	for i, s := range []store.Full{a, b} {
		wg.Go(func() {
			for {
				batch, err := s.Claim(ctx, t0, 4, time.Hour)
				if err != nil || len(batch) == 0 {
					errs[i] = err
					return
				}
				mu.Lock()
				for _, m := range batch {
					got[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || len(got) != n {
		t.Fatalf("claimers got %d distinct messages (errors %v), want %d", len(got), errs, n)
	}
	for id, c := range got {
		if c != 1 {
			t.Errorf("message %d claimed %d times", id, c)
		}
	}
}
