package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// writeAll writes one of everything a unit of work can write.
func writeAll(ctx context.Context, tx store.ReleaseTx, at time.Time) error {
	a := analysis(judge.VerdictFail, 12.5, at)
	if err := tx.SaveAnalysis(ctx, a); err != nil {
		return err
	}
	d := decision(judge.ActionRollback, judge.ReasonConsecutiveFailures, judge.StateRollingBack, true, at)
	d.AnalysisID = &a.ID
	if err := tx.SaveDecision(ctx, d); err != nil {
		return err
	}
	r := tx.Release()
	r.State, r.StateReason, r.UpdatedAt = judge.StateRollingBack, judge.ReasonConsecutiveFailures, at
	r.RollbackStartedAt, r.RollbackDeadline = &at, ptr(at.Add(10*time.Minute))
	r.AutoRollbacks, r.RollbackAttempted = 1, true
	if err := tx.UpdateRelease(ctx, r); err != nil {
		return err
	}
	if err := tx.Audit(ctx, store.AuditEntry{At: at, Actor: "canaryjudge", Action: "analysis",
		Input: json.RawMessage(`{"window":1}`), Output: json.RawMessage(`{"action":"rollback"}`)}); err != nil {
		return err
	}
	if err := tx.Enqueue(ctx, message(outbox.KindPage, at)); err != nil {
		return err
	}
	return tx.SaveIdempotent(ctx, store.Idem{Scope: "POST analyses", Key: "k", Hash: "h"}, 200, []byte(`{"action":"rollback"}`))
}

func testUnitCommits(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	at := odd.Add(time.Minute)
	unit(t, s, "r1", func(tx store.ReleaseTx) error {
		if err := writeAll(ctx, tx, at); err != nil {
			return err
		}
		if r := tx.Release(); r.State != judge.StateRollingBack || r.AutoRollbacks != 1 {
			return fmt.Errorf("Release() inside the unit does not show its update: %+v", r)
		}
		if p, err := tx.Policy(ctx); err != nil || p.Version != 1 || p.Service != "payments" {
			return fmt.Errorf("Policy = %+v, %v", p, err)
		}
		return nil
	})
	atUS := at.UTC().Truncate(µs)
	r, err := s.GetRelease(ctx, "r1")
	if err != nil || r.State != judge.StateRollingBack || r.StateReason != judge.ReasonConsecutiveFailures ||
		!r.UpdatedAt.Equal(atUS) || r.RollbackStartedAt == nil || !r.RollbackStartedAt.Equal(atUS) ||
		r.RollbackDeadline == nil || !r.RollbackDeadline.Equal(atUS.Add(10*time.Minute)) || r.AutoRollbacks != 1 || !r.RollbackAttempted {
		t.Fatalf("release after the unit = %+v, %v", r, err)
	}
	as, err := s.Analyses(ctx, "r1", 0)
	if err != nil || len(as) != 1 || as[0].Seq != 1 || as[0].ReleaseID != "r1" || as[0].Result == nil || as[0].Result.Score != 12.5 ||
		as[0].Window.Verdict != judge.VerdictFail || !as[0].CreatedAt.Equal(atUS) || as[0].CreatedAt.Location() != time.UTC {
		t.Fatalf("Analyses = %+v, %v", as, err)
	}
	d, err := s.LatestDecision(ctx, "r1")
	if err != nil || d.AnalysisID == nil || *d.AnalysisID != as[0].ID || d.Service != "payments" || d.Target != "eu-1" ||
		!d.Automatic || d.Decision.Action != judge.ActionRollback || d.Decision.Evidence.Guard["window"] != "1h0m0s" || !d.CreatedAt.Equal(atUS) {
		t.Fatalf("LatestDecision = %+v, %v", d, err)
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r1", Desc: true, Limit: 1})
	if err != nil || len(log) != 1 || log[0].Action != "analysis" || log[0].Service != "payments" {
		t.Fatalf("AuditLog(newest, limit 1) = %+v, %v; want the newest entry", log, err)
	}
	if all, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r1"}); err != nil || len(all) != 2 || all[0].Action != "release:create" || all[1].ID <= all[0].ID {
		t.Fatalf("AuditLog = %+v, %v; want create then analysis, oldest first", all, err)
	}
	sameJSON(t, "audit input", log[0].Input, []byte(`{"window":1}`))
	msgs, err := s.Claim(ctx, at, 10, time.Minute)
	if err != nil || len(msgs) != 1 || msgs[0].ReleaseID != "r1" || msgs[0].Service != "payments" || msgs[0].Target != "eu-1" {
		t.Fatalf("Claim after the unit = %+v, %v", msgs, err)
	}
	if r, err := s.GetIdempotent(ctx, store.Idem{Scope: "POST analyses", Key: "k"}); err != nil || r == nil || r.Status != 200 || r.RequestHash != "h" {
		t.Fatalf("idempotent response saved in the unit = %+v, %v", r, err)
	}
}

// testUnitRollsBack: fn's error undoes every write of the unit.
func testUnitRollsBack(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	before := create(t, s, release("r1", "payments", "eu-1"))
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		if err := writeAll(ctx, tx, t0.Add(time.Minute)); err != nil {
			return fmt.Errorf("writes failed before the planned error: %w", err)
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InRelease returned %v, want fn's error", err)
	}
	assertUntouched(t, s, before)
	called := false
	err = s.InRelease(ctx, "missing", func(store.ReleaseTx) error { called = true; return nil })
	if !errors.Is(err, store.ErrNotFound) || called {
		t.Fatalf("InRelease of an unknown release: err %v, fn called %v; want ErrNotFound without calling fn", err, called)
	}
}

// assertUntouched: only the release and its create audit entry exist.
func assertUntouched(t *testing.T, s store.Full, before store.Release) {
	t.Helper()
	ctx := context.Background()
	if r, _ := s.GetRelease(ctx, before.ID); !equalJSON(r, before) {
		t.Fatalf("release changed by a rolled-back unit: %+v", r)
	}
	if as, err := s.Analyses(ctx, before.ID, 0); err != nil || len(as) != 0 {
		t.Fatalf("analyses after rollback: %+v, %v", as, err)
	}
	if d, err := s.LatestDecision(ctx, before.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("decision after rollback: %+v, %v", d, err)
	}
	if log, _ := s.AuditLog(ctx, store.AuditQuery{ReleaseID: before.ID}); len(log) != 1 || log[0].Action != "release:create" {
		t.Fatalf("audit after rollback: %+v; want only the create entry", log)
	}
	if msgs, err := s.Claim(ctx, t0.Add(time.Hour), 10, time.Minute); err != nil || len(msgs) != 0 {
		t.Fatalf("outbox after rollback: %+v, %v", msgs, err)
	}
	if r, _ := s.GetIdempotent(ctx, store.Idem{Scope: "POST analyses", Key: "k"}); r != nil {
		t.Fatalf("idempotent response after rollback: %+v", r)
	}
	if n, _, _ := countIn(t, s, before.ID, t0.Add(-time.Hour)); n != 0 {
		t.Fatalf("rollback count after rollback = %d", n)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// testUnitAbortedByFailedWrite: a write that fails (here a decision naming
// an analysis that does not exist) aborts the unit even when fn carries on.
func testUnitAbortedByFailedWrite(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	before := create(t, s, release("r1", "payments", "eu-1"))
	var writeErr error
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		d := decision(judge.ActionWait, judge.ReasonMarginal, judge.StateBaking, false, t0)
		d.AnalysisID = ptr(int64(987654))
		writeErr = tx.SaveDecision(ctx, d)
		return nil // ignores the failure
	})
	if writeErr == nil { // reported with the commit
		writeErr = err
	}
	if !errors.Is(writeErr, store.ErrNotFound) {
		t.Fatalf("decision naming an unknown analysis: err = %v, want ErrNotFound", writeErr)
	}
	if err == nil {
		t.Fatal("InRelease committed a unit in which a write failed")
	}
	assertUntouched(t, s, before)
}

func testUnitIdempotent(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	idem := store.Idem{Scope: "POST /v1/releases/r1/events", Key: "e1", Hash: "h"}
	const body = "{\"z\": 1,  \"a\":[2]}\n"
	unit(t, s, "r1", func(tx store.ReleaseTx) error {
		if r, err := tx.Idempotent(ctx, idem); err != nil || r != nil {
			return fmt.Errorf("Idempotent before saving = %+v, %v", r, err)
		}
		if err := tx.SaveIdempotent(ctx, idem, 202, []byte(body)); err != nil {
			return err
		}
		if r, err := tx.Idempotent(ctx, idem); err != nil || r == nil || r.Status != 202 || string(r.Body) != body {
			return fmt.Errorf("Idempotent after saving in the same unit = %+v, %v", r, err)
		}
		return tx.SaveIdempotent(ctx, store.Idem{Scope: idem.Scope, Key: "empty"}, 204, nil)
	})
	// Replays are byte for byte: key order, spacing and newline kept.
	if r, err := s.GetIdempotent(ctx, idem); err != nil || r == nil || string(r.Body) != body || r.RequestHash != "h" {
		t.Fatalf("GetIdempotent = %+v, %v; want body %q exactly", r, err, body)
	}
	if r, err := s.GetIdempotent(ctx, store.Idem{Scope: idem.Scope, Key: "empty"}); err != nil || r == nil || r.Status != 204 || r.Body != nil {
		t.Fatalf("GetIdempotent of a response without body = %+v, %v", r, err)
	}
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error { return tx.SaveIdempotent(ctx, idem, 202, nil) })
	if !errors.Is(err, store.ErrConflict) {
		t.Fatalf("saving a taken idempotency key: err = %v, want ErrConflict", err)
	}
}

func testAnalysisSeqAndWindows(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	verdicts := []judge.Verdict{judge.VerdictPass, judge.VerdictMarginal, judge.VerdictFail, "", judge.VerdictNoData}
	for i, v := range verdicts {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		unit(t, s, "r1", func(tx store.ReleaseTx) error {
			a := analysis(v, float64(10*i), at)
			a.Window.At = time.Time{} // defaults to CreatedAt
			if v == "" {
				a.Result, a.SourceError, a.Window.Error = nil, "prometheus: timeout", true
			}
			if err := tx.SaveAnalysis(ctx, a); err != nil {
				return err
			}
			if a.Seq != i+1 || a.ID == 0 {
				return fmt.Errorf("analysis %d got seq %d id %d, want seq %d", i, a.Seq, a.ID, i+1)
			}
			return nil
		})
	}
	var windows, all []judge.Window
	unit(t, s, "r1", func(tx store.ReleaseTx) (err error) {
		if windows, err = tx.Windows(ctx, 3); err != nil {
			return err
		}
		all, err = tx.Windows(ctx, 0)
		return err
	})
	want := []judge.Window{ // a zero Start is the window's end
		{Verdict: judge.VerdictFail, Start: t0.Add(3 * time.Minute), At: t0.Add(3 * time.Minute)},
		{Error: true, Start: t0.Add(4 * time.Minute), At: t0.Add(4 * time.Minute)},
		{Verdict: judge.VerdictNoData, Start: t0.Add(5 * time.Minute), At: t0.Add(5 * time.Minute)},
	}
	deepEqual(t, "Windows(3), oldest first", windows, want)
	if len(all) != 5 || all[0].Verdict != judge.VerdictPass {
		t.Fatalf("Windows(0) = %+v, want all five oldest first", all)
	}
	testWindowSummaries(t, s)
	testWindowsOfNewRelease(t, s)
	as, err := s.Analyses(ctx, "r1", 2)
	if err != nil || len(as) != 2 || as[0].Seq != 5 || as[1].Seq != 4 || as[1].Result != nil || as[1].SourceError != "prometheus: timeout" {
		t.Fatalf("Analyses(limit 2) = %+v, %v; want seq 5 then 4", as, err)
	}
	if as, err := s.Analyses(ctx, "nope", 0); err != nil || as == nil || len(as) != 0 {
		t.Fatalf("Analyses of an unknown release = %#v, %v; want an empty list", as, err)
	}
}

// testUnitPanics: a panic in fn keeps nothing and releases the lock.
func testUnitPanics(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	before := create(t, s, release("r1", "payments", "eu-1"))
	func() {
		defer func() {
			if p := recover(); p != errBoom {
				t.Fatalf("recovered %v, want fn's panic to reach the caller", p)
			}
		}()
		_ = s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
			_ = writeAll(ctx, tx, t0.Add(time.Minute))
			panic(errBoom)
		})
	}()
	assertUntouched(t, s, before)
	done := make(chan error, 1)
	go func() { done <- s.InRelease(ctx, "r1", func(store.ReleaseTx) error { return nil }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("unit after a panic: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the release stayed locked after fn panicked")
	}
}

// testWindowsOfNewRelease: a release with no analysis has no windows, and
// a unit sees each analysis it saved in Windows at once.
func testWindowsOfNewRelease(t *testing.T, s store.Full) {
	ctx := context.Background()
	create(t, s, release("r3", "payments", "eu-3"))
	unit(t, s, "r3", func(tx store.ReleaseTx) error {
		for i := range 3 {
			ws, err := tx.Windows(ctx, 0)
			if err != nil {
				return err
			}
			if len(ws) != i || ws == nil {
				return fmt.Errorf("Windows before analysis %d = %+v, want the %d saved so far (not nil)", i+1, ws, i)
			}
			if err := tx.SaveAnalysis(ctx, analysis(judge.VerdictPass, 90, t0.Add(time.Duration(i)*time.Minute))); err != nil {
				return err
			}
		}
		return nil
	})
}

// testWindowSummaries: a window's start and its per-metric summaries (what
// later windows pool) come back from Windows as saved.
func testWindowSummaries(t *testing.T, s store.Full) {
	ctx := context.Background()
	create(t, s, release("r2", "payments", "eu-2"))
	sums := []judge.MetricSummary{
		{Name: "errors", Class: judge.ClassHigh, Canary: judge.SideSummary{N: 60, Events: 12, Total: 3000, Scale: 1.5},
			Baseline: judge.SideSummary{N: 60, Events: 3, Total: 3100, Scale: 1.25}},
		{Name: "latency", Class: judge.ClassPass, Canary: judge.SideSummary{N: 60, Mean: 0.25, SE: 0.01, NEff: 20.5},
			Baseline: judge.SideSummary{N: 58, Mean: 0.24, SE: 0.012, NEff: 19}},
	}
	start, end := t0.Add(10*time.Minute), t0.Add(15*time.Minute)
	unit(t, s, "r2", func(tx store.ReleaseTx) error {
		a := analysis(judge.VerdictFail, 0, end)
		a.Window.Start, a.Window.At, a.Window.Metrics = start, end, sums
		return tx.SaveAnalysis(ctx, a)
	})
	var got []judge.Window
	unit(t, s, "r2", func(tx store.ReleaseTx) (err error) {
		got, err = tx.Windows(ctx, 0)
		return err
	})
	if len(got) != 1 || !got[0].Start.Equal(start) || !got[0].At.Equal(end) || !reflect.DeepEqual(got[0].Metrics, sums) {
		t.Fatalf("Windows = %+v, want start %s, end %s and the summaries %+v", got, start, end, sums)
	}
}
