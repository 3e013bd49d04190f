package postgres_test

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestEvidenceRewritesOnlyItsSums: a save that keeps the extremes writes no
// TOAST (PostgreSQL keeps the stored value's pointer), and the sums'
// updates stay on the rows' pages (in-place updates, old versions pruned):
// what a decision that sets no new extreme costs the disk is nothing new.
// A save with new extremes does write them.
func TestEvidenceRewritesOnlyItsSums(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	seed(t, s, "r1", "r2")
	r := rand.New(rand.NewPCG(1, 1))
	random := func(n int) []byte { // incompressible, as a state's floats are
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	save := func(id string, e store.Evidence) {
		t.Helper()
		if err := s.InRelease(ctx, id, func(tx store.ReleaseTx) error { return tx.SaveEvidence(ctx, e) }); err != nil {
			t.Fatal(err)
		}
	}
	heap := func() (n int64) {
		t.Helper()
		if err := s.Pool().QueryRow(ctx, `SELECT pg_relation_size('release_evidence')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var toastTable string
	if err := s.Pool().QueryRow(ctx, `SELECT reltoastrelid::regclass::text FROM pg_class WHERE oid = 'release_evidence'::regclass`).Scan(&toastTable); err != nil {
		t.Fatal(err)
	}
	// newest is the newest transaction that wrote a live TOAST chunk.
	newest := func() (x int64) {
		t.Helper()
		if err := s.Pool().QueryRow(ctx, `SELECT coalesce(max(xmin::text::bigint), 0) FROM `+toastTable).Scan(&x); err != nil {
			t.Fatal(err)
		}
		return x
	}
	extremes := map[string][]byte{"r1": random(4000), "r2": random(4000)}
	for id, x := range extremes {
		save(id, store.Evidence{PolicyVersion: 1, Windows: 1, State: random(1200), Extremes: x})
	}
	heap0, x0 := heap(), newest()
	if x0 == 0 {
		t.Fatal("4 KB of incompressible extremes were not moved to the TOAST table")
	}
	for i := range 60 {
		id := []string{"r1", "r2"}[i%2]
		save(id, store.Evidence{PolicyVersion: 1, Windows: 2 + i/2, State: random(1200)})
	}
	heap1, x1 := heap(), newest()
	if x1 != x0 {
		t.Errorf("60 saves that keep the extremes wrote TOAST chunks (transaction %d, after %d), want none", x1, x0)
	}
	if heap1 > heap0+8192 {
		t.Errorf("60 saves of 1.2 KB sums grew the table from %d to %d bytes, want them in place", heap0, heap1)
	}
	for id, x := range extremes {
		var got []byte
		if err := s.Pool().QueryRow(ctx, `SELECT extremes FROM release_evidence WHERE release_id = $1`, id).Scan(&got); err != nil || !bytes.Equal(got, x) {
			t.Errorf("%s: extremes read back as %d bytes (%v), want the %d saved first", id, len(got), err, len(x))
		}
	}
	save("r1", store.Evidence{PolicyVersion: 1, Windows: 40, State: random(1200), Extremes: random(4000)})
	if x2 := newest(); x2 <= x1 {
		t.Errorf("new extremes wrote no TOAST chunk (newest transaction %d, was %d), want them written", x2, x1)
	}
}
