package storetest

import (
	"bytes"
	"context"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// testEvidence: a release's running evidence is nil until saved, reads
// back byte for byte in the same unit and in later ones, is replaced by
// the next save (its extremes only when the save has some), stays with its
// release, and is not saved by a unit that fails (PostgreSQL's
// transaction; the memory store must match it).
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
	first := store.Evidence{PolicyVersion: 1, Windows: 1, State: []byte{0, 1, 2, 0xff}, Extremes: []byte("first extremes")}
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, first); err != nil {
			return err
		}
		e, err := tx.Evidence(ctx)
		if err != nil || e == nil || !bytes.Equal(e.State, first.State) || !bytes.Equal(e.Extremes, first.Extremes) {
			t.Errorf("in the saving unit: %+v, %v; want %+v", e, err, first)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	second := store.Evidence{PolicyVersion: 1, Windows: 2, State: []byte("two windows")} // extremes kept
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error { return tx.SaveEvidence(ctx, second) }); err != nil {
		t.Fatal(err)
	}
	second.Extremes = first.Extremes
	if e := read("r1"); e == nil || e.Windows != 2 || !bytes.Equal(e.State, second.State) || !bytes.Equal(e.Extremes, first.Extremes) {
		t.Errorf("a save without extremes: %+v, want the sums replaced and the extremes kept (%+v)", e, second)
	}
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, store.Evidence{PolicyVersion: 1, Windows: 3, State: []byte("lost"), Extremes: []byte("lost too")}); err != nil {
			return err
		}
		return errBoom
	})
	if err == nil {
		t.Fatal("a failing unit committed")
	}
	if e := read("r1"); e == nil || e.PolicyVersion != 1 || e.Windows != 2 || !bytes.Equal(e.State, second.State) || !bytes.Equal(e.Extremes, second.Extremes) {
		t.Errorf("after a replace and a failed unit: %+v, want %+v", e, second)
	}
	if e := read("r2"); e != nil {
		t.Errorf("another release sees evidence %+v", e)
	}
	third := store.Evidence{PolicyVersion: 2, Windows: 3, State: []byte("three"), Extremes: []byte("new extremes")}
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, third); err != nil {
			return err
		}
		// a second save in the unit without extremes keeps the unit's own
		third.State = []byte("three again")
		return tx.SaveEvidence(ctx, store.Evidence{PolicyVersion: 2, Windows: 3, State: third.State})
	}); err != nil {
		t.Fatal(err)
	}
	if e := read("r1"); e == nil || e.PolicyVersion != 2 || !bytes.Equal(e.State, third.State) || !bytes.Equal(e.Extremes, third.Extremes) {
		t.Errorf("after new extremes: %+v, want %+v", e, third)
	}
	if err := s.InRelease(ctx, "r2", func(tx store.ReleaseTx) error {
		return tx.SaveEvidence(ctx, store.Evidence{PolicyVersion: 1, Windows: 1, State: []byte("r2")})
	}); err != nil {
		t.Fatal(err)
	}
	if e := read("r2"); e == nil || e.Extremes != nil {
		t.Errorf("a first save without extremes: %+v, want nil extremes", e)
	}
}

// testDropEvidence: a release's evidence dropped is gone in the unit and
// after it; a unit that fails drops nothing; a save after a drop in the
// same unit is what stays (without extremes to keep: the dropped ones
// are gone); dropping what is not there is no error.
func testDropEvidence(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	unit := func(f func(tx store.ReleaseTx) error) error { return s.InRelease(ctx, "r1", f) }
	read := func() (e *store.Evidence) {
		t.Helper()
		if err := unit(func(tx store.ReleaseTx) (err error) { e, err = tx.Evidence(ctx); return err }); err != nil {
			t.Fatal(err)
		}
		return e
	}
	if err := unit(func(tx store.ReleaseTx) error { return tx.DropEvidence(ctx) }); err != nil {
		t.Fatalf("dropping no evidence: %v", err)
	}
	saved := store.Evidence{PolicyVersion: 1, Windows: 2, State: []byte("sums"), Extremes: []byte("extremes")}
	if err := unit(func(tx store.ReleaseTx) error { return tx.SaveEvidence(ctx, saved) }); err != nil {
		t.Fatal(err)
	}
	if err := unit(func(tx store.ReleaseTx) error {
		if err := tx.DropEvidence(ctx); err != nil {
			return err
		}
		return errBoom
	}); err == nil {
		t.Fatal("a failing unit committed")
	}
	if e := read(); e == nil || !bytes.Equal(e.Extremes, saved.Extremes) {
		t.Fatalf("a failed unit's drop: %+v, want %+v kept", e, saved)
	}
	if err := unit(func(tx store.ReleaseTx) error {
		if err := tx.DropEvidence(ctx); err != nil {
			return err
		}
		if e, err := tx.Evidence(ctx); err != nil || e != nil {
			t.Errorf("in the dropping unit: %+v, %v; want none", e, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if e := read(); e != nil {
		t.Fatalf("after a drop: %+v, want none", e)
	}
	again := store.Evidence{PolicyVersion: 1, Windows: 3, State: []byte("again")}
	if err := unit(func(tx store.ReleaseTx) error {
		if err := tx.SaveEvidence(ctx, saved); err != nil {
			return err
		}
		if err := tx.DropEvidence(ctx); err != nil {
			return err
		}
		return tx.SaveEvidence(ctx, again)
	}); err != nil {
		t.Fatal(err)
	}
	if e := read(); e == nil || !bytes.Equal(e.State, again.State) || e.Extremes != nil {
		t.Errorf("save, drop and save in one unit: %+v, want %+v", e, again)
	}
}
