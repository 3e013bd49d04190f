package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// The cases where the memory store used to break PostgreSQL's promises:
// a failed write that fn ignores, a cancelled context, and values the
// schema refuses.

// testUnitAbortedByFailedAuditOrEnqueue: an audit entry or an outbox row
// that cannot be written aborts the unit even when fn carries on.
func testUnitAbortedByFailedAuditOrEnqueue(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	before := create(t, s, release("r1", "payments", "eu-1"))
	for name, bad := range map[string]func(tx store.ReleaseTx) error{
		"audit": func(tx store.ReleaseTx) error {
			return tx.Audit(ctx, store.AuditEntry{At: t0, Action: "analysis", Input: json.RawMessage(`{"broken":`)})
		},
		"enqueue": func(tx store.ReleaseTx) error {
			m := message(outbox.KindPage, t0)
			m.Details = json.RawMessage(`not json`)
			return tx.Enqueue(ctx, m)
		},
		"update": func(tx store.ReleaseTx) error {
			r := tx.Release()
			r.AutoRollbacks = -1 // CHECK (auto_rollbacks >= 0)
			return tx.UpdateRelease(ctx, r)
		},
	} {
		var writeErr error
		err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
			if err := writeAll(ctx, tx, t0.Add(time.Minute)); err != nil {
				return err
			}
			writeErr = bad(tx)
			return nil // ignores the failure
		})
		if err == nil { // the write's error comes from the write, or (a store that sends writes with the commit) from the unit
			t.Fatalf("%s: the bad write returned %v and the unit committed; want the unit to fail", name, writeErr)
		}
		assertUntouched(t, s, before)
	}
}

// testContextCancelled: a cancelled context is refused by every call and
// aborts a unit of work that sees it, writing nothing.
func testContextCancelled(t *testing.T, s store.Full) {
	withPolicy(t, s, "payments")
	before := create(t, s, release("r1", "payments", "eu-1"))
	done, cancel := context.WithCancel(context.Background())
	cancel()
	calls := map[string]error{}
	_, calls["PutPolicy"] = s.PutPolicy(done, "other", samplePolicy(judge.ModeDefault), 0, "x", t0)
	_, calls["GetPolicy"] = s.GetPolicy(done, "payments")
	_, _, calls["CreateRelease"] = s.CreateRelease(done, release("r2", "payments", "eu-2"), nil, nil, store.AuditEntry{Action: "release:create"})
	_, calls["GetRelease"] = s.GetRelease(done, "r1")
	_, calls["ListReleases"] = s.ListReleases(done, store.ReleaseQuery{})
	_, calls["AuditLog"] = s.AuditLog(done, store.AuditQuery{})
	_, calls["PutFreeze"] = s.PutFreeze(done, judge.Freeze{Scope: "global", Reason: "r", CreatedAt: t0}, store.AuditEntry{Action: "freeze:put"})
	calls["CreateToken"] = s.CreateToken(done, store.Token{ID: "t", Name: "t", CreatedAt: t0}, []byte{1}, store.AuditEntry{})
	calls["InRelease"] = s.InRelease(done, "r1", func(tx store.ReleaseTx) error { return writeAll(done, tx, t0) })
	for name, err := range calls {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", name, err)
		}
	}
	// Cancelled while the unit runs: nothing it wrote is kept.
	ctx, stop := context.WithCancel(context.Background())
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := writeAll(ctx, tx, t0.Add(time.Minute)); err != nil {
			return err
		}
		stop()
		return nil
	})
	if err == nil {
		t.Fatal("a unit whose context was cancelled before it ended committed")
	}
	assertUntouched(t, s, before)
	if _, err := s.GetPolicy(context.Background(), "other"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a cancelled PutPolicy stored a policy: %v", err)
	}
}

// testSchemaRefusals: what the schema refuses is a validation error naming
// the field where the store can tell, and nothing is written: a bad
// service name (CHECK), NUL bytes and invalid UTF-8 in text, NUL in JSON.
func testSchemaRefusals(t *testing.T, s store.Full) {
	ctx := context.Background()
	_, err := s.PutPolicy(ctx, "Bad Name", samplePolicy(judge.ModeDefault), 0, "x", t0)
	if v, ok := judge.AsValidation(err); !ok || v.Problems[0].Field != "service" {
		t.Fatalf("PutPolicy of an invalid service name: %v, want a validation error naming service", err)
	}
	withPolicy(t, s, "payments")
	nul, utf := release("r1", "payments", "eu-1"), release("r2", "payments", "eu-2")
	nul.Version, utf.Target = "v\x002", "eu-\xff"
	inJSON := release("r3", "payments", "eu-3")
	inJSON.Migrations[0].SQL = "ALTER TABLE t ADD c int -- \x00"
	for name, r := range map[string]store.Release{"NUL": nul, "invalid UTF-8": utf, "NUL in migrations": inJSON} {
		if _, _, err := s.CreateRelease(ctx, r, nil, nil, store.AuditEntry{Action: "release:create"}); !isValidation(err) {
			t.Errorf("CreateRelease with %s: %v, want a validation error", name, err)
		}
	}
	if _, err := s.PutFreeze(ctx, judge.Freeze{Scope: "global", Reason: "a\x00b", CreatedAt: t0}, store.AuditEntry{Action: "freeze:put"}); !isValidation(err) {
		t.Errorf("PutFreeze with NUL: %v, want a validation error", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "t1", Name: "n\x00", CreatedAt: t0}, []byte{9}, store.AuditEntry{}); !isValidation(err) {
		t.Errorf("CreateToken with NUL: %v, want a validation error", err)
	}
	if rs, _ := s.ListReleases(ctx, store.ReleaseQuery{}); len(rs) != 0 {
		t.Fatalf("refused creates left %d releases", len(rs))
	}
	if log, _ := s.AuditLog(ctx, store.AuditQuery{}); len(log) != 1 || log[0].Action != "policy:put" {
		t.Fatalf("refused writes left audit entries: %+v", log)
	}
	before := create(t, s, release("r4", "payments", "eu-4"))
	err = s.InRelease(ctx, "r4", func(tx store.ReleaseTx) error {
		if err := writeAll(ctx, tx, t0.Add(time.Minute)); err != nil {
			return err
		}
		_ = tx.Audit(ctx, store.AuditEntry{At: t0, Actor: "bad\x00actor", Action: "analysis"})
		return nil
	})
	if err == nil {
		t.Fatal("a unit with a refused audit entry committed")
	}
	if log, _ := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r4"}); len(log) != 1 {
		t.Fatalf("the refused unit left %d audit entries for r4, want only the create", len(log))
	}
	if r, _ := s.GetRelease(ctx, "r4"); !equalJSON(r, before) {
		t.Fatalf("the refused unit changed r4: %+v", r)
	}
	var writeErr error
	unitErr := s.InRelease(ctx, "r4", func(tx store.ReleaseTx) error {
		r := tx.Release()
		r.AutoRollbacks = -1
		writeErr = tx.UpdateRelease(ctx, r)
		return writeErr
	})
	if writeErr == nil { // reported with the commit
		writeErr = unitErr
	}
	if v, ok := judge.AsValidation(writeErr); !ok || v.Problems[0].Field != "auto_rollbacks" {
		t.Fatalf("a negative auto_rollbacks (CHECK): %v, want a validation error naming auto_rollbacks", writeErr)
	}
}

func isValidation(err error) bool {
	_, ok := judge.AsValidation(err)
	return ok
}
