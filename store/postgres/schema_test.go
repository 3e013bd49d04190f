package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func storetestPolicy() judge.Policy {
	return judge.Policy{Mode: judge.ModeDefault, Metrics: []judge.Metric{{Name: "m", Group: "g", Direction: judge.DirIncrease}}}
}

func seed(t *testing.T, s *postgres.Store, ids ...string) {
	t.Helper()
	ctx := context.Background()
	if _, err := s.PutPolicy(ctx, "payments", storetestPolicy(), 0, "", t0); err != nil {
		t.Fatal(err)
	}
	for i, id := range ids {
		r := store.Release{ID: id, Service: "payments", Target: fmt.Sprintf("t%d", i), Version: "v2", BaselineVersion: "v1",
			State: judge.StateBaking, CreatedAt: t0, UpdatedAt: t0}
		if _, _, err := s.CreateRelease(ctx, r, nil, nil, store.AuditEntry{Action: "release:create"}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFailedUnitLeavesNoRows checks with SQL that a unit of work that fails
// (fn's error, a failed write fn ignored, a panic) leaves no row behind.
func TestFailedUnitLeavesNoRows(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	seed(t, s, "r1")
	errBoom := errors.New("boom")
	writes := func(tx store.ReleaseTx) {
		a := &store.Analysis{Window: judge.Window{Verdict: judge.VerdictFail}, CreatedAt: t0}
		_ = tx.SaveAnalysis(ctx, a)
		_ = tx.SaveDecision(ctx, &store.DecisionRecord{AnalysisID: &a.ID, Trigger: "analysis", Automatic: true,
			StateFrom: judge.StateBaking, Decision: judge.Decision{Action: judge.ActionRollback, State: judge.StateRollingBack}, CreatedAt: t0})
		r := tx.Release()
		r.State = judge.StateRollingBack
		_ = tx.UpdateRelease(ctx, r)
		_ = tx.Audit(ctx, store.AuditEntry{Action: "analysis", At: t0})
		_ = tx.Enqueue(ctx, outbox.Message{Kind: outbox.KindPage, CreatedAt: t0}, outbox.Message{Kind: outbox.KindInfo, CreatedAt: t0})
		_ = tx.SaveIdempotent(ctx, store.Idem{Scope: "s", Key: "k", Hash: "h"}, 200, []byte(`{}`))
		_, _, _ = tx.CountRollbacks(ctx, t0)
	}
	for _, tc := range []struct {
		name string
		fn   func(tx store.ReleaseTx) error
	}{
		{"fn error", func(tx store.ReleaseTx) error { writes(tx); return errBoom }},
		{"ignored failed write", func(tx store.ReleaseTx) error {
			writes(tx)
			_ = tx.SaveDecision(ctx, &store.DecisionRecord{AnalysisID: new(int64), Trigger: "x", CreatedAt: t0})
			return nil
		}},
		{"panic", func(tx store.ReleaseTx) error { writes(tx); panic(errBoom) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := func() (err error) {
				defer func() {
					if p := recover(); p != nil {
						err = fmt.Errorf("panic: %v", p)
					}
				}()
				return s.InRelease(ctx, "r1", tc.fn)
			}()
			if err == nil {
				t.Fatal("InRelease committed")
			}
			var counts [5]int
			var state string
			if err := s.Pool().QueryRow(ctx, `SELECT (SELECT count(*) FROM analyses), (SELECT count(*) FROM decisions),
				(SELECT count(*) FROM outbox), (SELECT count(*) FROM idempotency), (SELECT count(*) FROM audit_log WHERE release_id = 'r1'),
				(SELECT state FROM releases WHERE id = 'r1')`).Scan(&counts[0], &counts[1], &counts[2], &counts[3], &counts[4], &state); err != nil {
				t.Fatal(err)
			}
			if counts != [5]int{0, 0, 0, 0, 1} || state != "baking" {
				t.Fatalf("after a failed unit (%v): analyses, decisions, outbox, idempotency, audit = %v, state %s; want 0 0 0 0 1 baking",
					err, counts, state)
			}
		})
	}
}

// TestActiveIndexBackstop: a concurrent insert the pre-check cannot see is
// caught by the partial unique index and reported as the same
// *ActiveReleaseError, naming the release that won.
func TestActiveIndexBackstop(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	seed(t, s)
	tx, err := s.Pool().Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO releases (id, service, target, version, baseline_version, state, policy_version, created_at, updated_at)
		VALUES ('winner', 'payments', 'eu-1', 'v9', 'v8', 'baking', 1, $1, $1)`, t0); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		r := store.Release{ID: "loser", Service: "payments", Target: "eu-1", State: judge.StateBaking, CreatedAt: t0, UpdatedAt: t0}
		_, _, err := s.CreateRelease(ctx, r, nil, nil, store.AuditEntry{Action: "release:create"})
		done <- err
	}()
	time.Sleep(300 * time.Millisecond) // the create passes its check and waits on the index
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	err = <-done
	var active *store.ActiveReleaseError
	if !errors.As(err, &active) || active.Active.ID != "winner" || active.Active.Version != "v9" {
		t.Fatalf("create racing an uncommitted insert: err = %v, want *ActiveReleaseError naming winner", err)
	}
}

// TestVerdictHistoryView pins the view's documented columns (dashboards
// depend on them).
func TestVerdictHistoryView(t *testing.T) {
	s := pgtest.Open(t)
	rows, err := s.Pool().Query(context.Background(), `SELECT column_name FROM information_schema.columns
		WHERE table_name = 'verdict_history' ORDER BY ordinal_position`)
	if err != nil {
		t.Fatal(err)
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, c)
	}
	want := "analysis_id service target release_id version seq verdict error source_error score policy_version action reason state at"
	if got := strings.Join(cols, " "); got != want || rows.Err() != nil {
		t.Fatalf("verdict_history columns = %q (%v), want %q", got, rows.Err(), want)
	}
}

func TestAuditLogAppendOnly(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	seed(t, s, "r1")
	for _, sql := range []string{`UPDATE audit_log SET actor = 'mallory'`, `DELETE FROM audit_log`, `TRUNCATE audit_log`} {
		if _, err := s.Pool().Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want refused as append-only", sql, err)
		}
	}
}

// TestNameRuleMatchesSchema: store.ValidName, the one name rule in Go, and
// the CHECK on services.name accept exactly the same names.
func TestNameRuleMatchesSchema(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	names := []string{"a", "checkout", "my-svc.v2_x", "0day", strings.Repeat("a", 63), strings.Repeat("a", 64),
		"", "A", "-x", ".x", "_x", "a b", "ä", "a/b", "a:b", "a\nb", "x-", "9"}
	for _, n := range names {
		_, err := s.Pool().Exec(ctx, `INSERT INTO services (name) VALUES ($1)`, n)
		if inSchema := err == nil; inSchema != store.ValidName(n) {
			t.Errorf("%q: schema accepts %v (%v), ValidName %v", n, inSchema, err, store.ValidName(n))
		}
	}
}
