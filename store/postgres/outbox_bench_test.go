package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// BenchmarkClaim: one dispatcher round on a backlog of 10,000 pending
// messages over 100 sinks and 100 releases: claim 8 sinks, then record an
// outcome for each (due again at once, so the backlog stays the same).
func BenchmarkClaim(b *testing.B) {
	ctx := context.Background()
	s := pgtest.Open(b)
	const sinks, releases, perPair = 100, 100, 1
	if _, err := s.PutPolicy(ctx, "payments", storetestPolicy(), 0, "", t0); err != nil {
		b.Fatal(err)
	}
	for r := range releases {
		id := fmt.Sprintf("b%d", r)
		if _, _, err := s.CreateRelease(ctx, store.Release{ID: id, Service: "payments", Target: id, Version: "v2", BaselineVersion: "v1",
			State: judge.StateBaking, CreatedAt: t0, UpdatedAt: t0}, nil, nil, store.AuditEntry{}); err != nil {
			b.Fatal(err)
		}
		var msgs []outbox.Message
		for k := range sinks * perPair {
			sink := judge.Sink{Kind: "webhook", URL: fmt.Sprintf("https://h.example/%d", k%sinks)}
			msgs = append(msgs, outbox.Message{Kind: outbox.KindInfo, Sink: outbox.RefOf(1, k%sinks, sink), CreatedAt: t0})
		}
		if err := s.InRelease(ctx, id, func(tx store.ReleaseTx) error { return tx.Enqueue(ctx, msgs...) }); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := s.Pool().Exec(ctx, `ANALYZE outbox; ANALYZE outbox_sinks`); err != nil { // as autovacuum would after the load
		b.Fatal(err)
	}
	now := t0.Add(time.Hour)
	b.ResetTimer()
	for b.Loop() {
		got, err := s.Claim(ctx, now, 8, time.Minute)
		if err != nil || len(got) != 8 {
			b.Fatalf("Claim = %d, %v", len(got), err)
		}
		for _, m := range got {
			if err := s.Retry(ctx, m.ID, m.Claim, outbox.Failure{Attempts: m.Attempts, At: now, Next: now}); err != nil {
				b.Fatal(err)
			}
		}
	}
}
