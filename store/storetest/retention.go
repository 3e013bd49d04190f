package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// testPrune: old replay records, delivered and dead notifications and
// finished Kayenta executions go, in batches; pending notifications,
// newer rows and the history stay.
func testPrune(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	idem := &store.Idem{Scope: "POST /v1/releases", Key: "k1", Hash: "h"}
	if _, _, err := s.CreateRelease(ctx, release("r1", "payments", "eu-1"), idem, []byte(`{"id":"r1"}`), store.AuditEntry{At: t0, Action: "release:create"}); err != nil {
		t.Fatal(err)
	}
	// Three pages to one sink, one after the other: delivered at t0+1m,
	// dead at t0+2m, the third left pending.
	enqueue(t, s, "r1", message(outbox.KindPage, t0), message(outbox.KindInfo, t0), message(outbox.KindResolve, t0))
	m := claimAt(t, s, 0, 10)[0]
	if err := s.Delivered(ctx, m.ID, m.Claim, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	m = claimAt(t, s, time.Minute, 10)[0]
	if err := s.Retry(ctx, m.ID, m.Claim, outbox.Failure{Attempts: 9, At: t0.Add(2 * time.Minute), Err: "410", Dead: true}); err != nil {
		t.Fatal(err)
	}
	for i, end := range []time.Duration{time.Minute, 2 * time.Minute, time.Hour} {
		e := store.KayentaExecution{ID: "kx" + string(rune('a'+i)), Service: "payments", PolicyVersion: 1, Request: []byte(`{}`),
			Status: store.KayentaTerminal, Error: "x", CreatedAt: t0, EndedAt: t0.Add(end)}
		if err := s.SaveKayentaExecution(ctx, e, store.AuditEntry{}); err != nil {
			t.Fatal(err)
		}
	}
	prune := func(b store.PruneBefore, limit int) store.Pruned {
		t.Helper()
		p, err := s.Prune(ctx, b, limit)
		if err != nil {
			t.Fatalf("Prune(%+v, %d): %v", b, limit, err)
		}
		return p
	}
	if p := prune(store.PruneBefore{Keys: time.Now().Add(-time.Hour), Rows: t0}, 10); p != (store.Pruned{}) {
		t.Fatalf("prune of nothing old enough = %+v", p)
	}
	if p := prune(store.PruneBefore{Rows: t0.Add(30 * time.Minute)}, 1); p != (store.Pruned{Outbox: 1, Kayenta: 1}) {
		t.Fatalf("first batch of 1 = %+v, want one outbox row and one execution (keys kept: zero bound)", p)
	}
	if p := prune(store.PruneBefore{Rows: t0.Add(30 * time.Minute)}, 10); p != (store.Pruned{Outbox: 1, Kayenta: 1}) {
		t.Fatalf("second batch = %+v, want the other old row of each", p)
	}
	if got, _ := s.GetIdempotent(ctx, *idem); got == nil {
		t.Fatal("a row prune removed the replay record")
	}
	if p := prune(store.PruneBefore{Keys: time.Now().Add(time.Hour)}, 10); p != (store.Pruned{Idempotency: 1}) {
		t.Fatalf("key prune = %+v", p)
	}
	if got, err := s.GetIdempotent(ctx, *idem); got != nil || err != nil {
		t.Fatalf("replay record after its prune: %+v, %v", got, err)
	}
	if pending, _ := s.ListOutbox(ctx, outbox.Query{State: outbox.StatePending}); len(pending) != 1 || pending[0].Kind != outbox.KindResolve {
		t.Fatalf("pending after prune = %+v, want the resolve kept", pending)
	}
	if all, _ := s.ListOutbox(ctx, outbox.Query{}); len(all) != 1 {
		t.Fatalf("outbox after prune has %d rows, want only the pending one", len(all))
	}
	if _, err := s.KayentaExecution(ctx, "kxc"); err != nil {
		t.Fatalf("the newer execution was pruned: %v", err)
	}
	if _, err := s.GetRelease(ctx, "r1"); err != nil {
		t.Fatalf("history was pruned: %v", err)
	}
}
