package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

func putSource(t *testing.T, s store.Full, name string) {
	t.Helper()
	if _, err := s.PutSource(context.Background(), store.SourceRecord{Name: name, Type: "prometheus", Config: []byte(`{"url":"http://p:9090"}`), UpdatedAt: t0},
		store.AuditEntry{At: t0, Actor: "admin", Action: "source:put"}); err != nil {
		t.Fatal(err)
	}
}

func deleteSource(s store.Full, name string) error {
	return s.DeleteSource(context.Background(), name, store.AuditEntry{At: t0, Actor: "admin", Action: "source:delete", Input: []byte(`{"name":"` + name + `"}`)})
}

// testDeleteSource: a source is deleted only while no running run uses
// it; a stored-source run cannot be created once its source is gone, one
// from the server's file (no row) can.
func testDeleteSource(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	if err := deleteSource(s, "ghost"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("delete of no source: %v, want ErrNotFound", err)
	}
	putSource(t, s, "prom")
	create(t, s, release("rel_ds1", "checkout", "eu"))
	r := sampleRun("run_ds1", "rel_ds1")
	r.StoredSource = true
	createRun(t, s, r)
	var inUse *store.SourceInUseError
	if err := deleteSource(s, "prom"); !errors.As(err, &inUse) || !errors.Is(err, store.ErrConflict) || len(inUse.Runs) != 1 || inUse.Runs[0] != "run_ds1" {
		t.Fatalf("delete of a source in use: %v, want SourceInUseError naming run_ds1", err)
	}
	if _, err := s.GetSource(ctx, "prom"); err != nil {
		t.Fatalf("a refused delete removed the source: %v", err)
	}
	if _, err := s.CancelRun(ctx, "run_ds1", "x", t0, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	before, _ := s.AuditLog(ctx, store.AuditQuery{})
	if err := deleteSource(s, "prom"); err != nil {
		t.Fatalf("delete once its run ended: %v", err)
	}
	after, _ := s.AuditLog(ctx, store.AuditQuery{})
	if _, err := s.GetSource(ctx, "prom"); !errors.Is(err, store.ErrNotFound) || len(after) != len(before)+1 || after[len(after)-1].Action != "source:delete" {
		t.Fatalf("after delete: GetSource %v, audit %d -> %d entries", err, len(before), len(after))
	}
	create(t, s, release("rel_ds2", "checkout", "us"))
	r = sampleRun("run_ds2", "rel_ds2")
	r.StoredSource = true
	if _, err := s.CreateRun(ctx, r, store.AuditEntry{At: t0, Action: "run:create"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("run on a deleted source: %v, want ErrNotFound", err)
	}
	if _, err := s.GetRun(ctx, "run_ds2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused run was stored: %v", err)
	}
	r.StoredSource = false // a source from the server's file has no row
	createRun(t, s, r)
	if err := deleteSource(s, "a\x00b"); !isValidation(err) {
		t.Fatalf("NUL in a name: %v, want a validation error", err)
	}
}

// testDeleteSourceRace races creating a run on a source with deleting it:
// either the run exists and the delete was refused, or the source is gone
// and the run was refused; never a running run on a deleted source.
func testDeleteSourceRace(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	created, deleted := 0, 0
	for i := range 20 {
		name, rel := fmt.Sprintf("src%d", i), fmt.Sprintf("rel_race%d", i)
		putSource(t, s, name)
		create(t, s, release(rel, "checkout", rel))
		r := sampleRun("run_"+rel, rel)
		r.Source, r.StoredSource = name, true
		var runErr, delErr error
		var wg sync.WaitGroup
		wg.Go(func() { _, runErr = s.CreateRun(ctx, r, store.AuditEntry{At: t0, Action: "run:create"}) })
		wg.Go(func() { delErr = deleteSource(s, name) })
		wg.Wait()
		_, getErr := s.GetSource(ctx, name)
		switch {
		case runErr == nil && errors.Is(delErr, store.ErrConflict) && getErr == nil:
			created++
		case errors.Is(runErr, store.ErrNotFound) && delErr == nil && errors.Is(getErr, store.ErrNotFound):
			deleted++
		default:
			t.Fatalf("race %d: create %v, delete %v, source afterwards %v", i, runErr, delErr, getErr)
		}
	}
	t.Logf("20 races: %d runs created (delete refused), %d sources deleted (run refused)", created, deleted)
}
