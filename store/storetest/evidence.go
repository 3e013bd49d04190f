package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// testEvidence: a release's running evidence is nil until saved, reads
// back byte for byte in the same unit and in later ones, is replaced by
// the next save, stays with its release, and is not saved by a unit that
// fails (PostgreSQL's transaction; the memory store must match it).
func testEvidence(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	create(t, s, release("r2", "payments", "eu-2"))
	read := func(id string) *store.Evidence {
		t.Helper()
		var got *store.Evidence
		if err := s.InRelease(ctx, id, func(tx store.ReleaseTx) (err error) { got, err = tx.Evidence(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if e := read("r1"); e != nil {
		t.Fatalf("a new release has evidence %+v, want none", e)
	}
	first := store.Evidence{PolicyVersion: 1, Windows: 1, State: []byte{0, 1, 2, 0xff}}
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, first); err != nil {
			return err
		}
		e, err := tx.Evidence(ctx)
		if err != nil || e == nil || !bytes.Equal(e.State, first.State) {
			t.Errorf("in the saving unit: %+v, %v; want %+v", e, err, first)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	second := store.Evidence{PolicyVersion: 1, Windows: 2, State: []byte("two windows")}
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error { return tx.SaveEvidence(ctx, second) }); err != nil {
		t.Fatal(err)
	}
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, store.Evidence{PolicyVersion: 1, Windows: 3, State: []byte("lost")}); err != nil {
			return err
		}
		return errBoom
	})
	if err == nil {
		t.Fatal("a failing unit committed")
	}
	if e := read("r1"); e == nil || e.PolicyVersion != 1 || e.Windows != 2 || !bytes.Equal(e.State, second.State) {
		t.Errorf("after a replace and a failed unit: %+v, want %+v", e, second)
	}
	if e := read("r2"); e != nil {
		t.Errorf("another release sees evidence %+v", e)
	}
}
