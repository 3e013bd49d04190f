package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// ClaimRuns leases due runs nobody holds: FOR UPDATE SKIP LOCKED, so
// replicas claiming at once take disjoint runs, and a lease that expired
// (its worker died) is taken over.
func (s *Store) ClaimRuns(ctx context.Context, now time.Time, limit int, lease time.Duration, owner string) ([]store.ClaimedRun, error) {
	if limit <= 0 {
		return []store.ClaimedRun{}, nil
	}
	now = ts(now)
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT id, lease_until IS NOT NULL AS takeover FROM runs
			WHERE state = 'RUNNING' AND next_due <= $1 AND (lease_until IS NULL OR lease_until < $1)
			ORDER BY next_due, id COLLATE "C" LIMIT $2
			FOR UPDATE SKIP LOCKED)
		UPDATE runs r SET claim = r.claim + 1, lease_owner = $3, lease_until = $4
		FROM due WHERE r.id = due.id
		RETURNING due.takeover, `+prefixed("r.", runCols), now, limit, owner, ts(now.Add(lease)))
	if err != nil {
		return nil, translate(err, "claim runs")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.ClaimedRun, error) {
		var c store.ClaimedRun
		r, err := scanRun(takeoverRow{row, &c.Takeover})
		c.Run = r
		return c, err
	})
	if err != nil {
		return nil, translate(err, "claim runs")
	}
	sortClaims(out)
	return nonNil(out), nil
}

// takeoverRow scans the leading takeover column, then the run.
type takeoverRow struct {
	row      pgx.Row
	takeover *bool
}

func (t takeoverRow) Scan(dest ...any) error {
	return t.row.Scan(append([]any{t.takeover}, dest...)...)
}

// heldRun locks the run and checks that claim is its current one.
func heldRun(ctx context.Context, tx pgx.Tx, runID string, claim int64) (store.Run, error) {
	r, err := scanRun(tx.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1 FOR UPDATE`, runID))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Run{}, fmt.Errorf("run %q: %w", runID, store.ErrNotFound)
	}
	if err != nil {
		return store.Run{}, err
	}
	if r.Claim != claim || r.State != store.RunRunning || r.LeaseUntil == nil {
		return store.Run{}, fmt.Errorf("run %s: claim %d is not current (claim %d, %s): %w", runID, claim, r.Claim, r.State, store.ErrLeaseLost)
	}
	return r, nil
}

// CompleteWindow records a window and moves its run on, in one transaction.
func (s *Store) CompleteWindow(ctx context.Context, runID string, claim int64, w store.RunWindow, u store.RunUpdate) (store.Run, error) {
	qs := w.Queries
	if qs == nil {
		qs = []store.AskedQuery{}
	}
	queries, err := encodeJSON(qs, "window queries")
	if err != nil {
		return store.Run{}, err
	}
	var out store.Run
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := heldRun(ctx, tx, runID, claim)
		if err != nil {
			return err
		}
		if w.Seq != r.Done+1 {
			return fmt.Errorf("run %s: window %d is not the next one (%d): %w", runID, w.Seq, r.Done+1, store.ErrLeaseLost)
		}
		u.At = ts(u.At)
		r = r.After(u)
		if _, err := tx.Exec(ctx, `INSERT INTO run_windows (run_id, seq, window_start, window_end, analysis_id, source_error, queries,
			action, reason, worker, claim, adopted, started_at, lag_us, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			runID, w.Seq, ts(w.Start), ts(w.End), w.AnalysisID, w.SourceError, queries, string(w.Action), string(w.Reason),
			w.Worker, claim, w.Adopted, ts(w.StartedAt), w.Lag.Microseconds(), ts(w.At)); err != nil {
			return err
		}
		var dec any
		if r.Decision != nil {
			if dec, err = encodeJSON(r.Decision, "run decision"); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `UPDATE runs SET done = $2, state = $3, reason = $4, decision = $5, latest_analysis_id = $6,
			next_due = $7, updated_at = $8, lease_owner = NULL, lease_until = NULL WHERE id = $1`,
			runID, r.Done, r.State, r.Reason, dec, r.LatestAnalysisID, ts(r.NextDue), r.UpdatedAt)
		out = r
		return err
	})
	return out, translate(err, "complete run window")
}

// ReleaseRun gives a claimed run back, due again at retryAt.
func (s *Store) ReleaseRun(ctx context.Context, runID string, claim int64, retryAt time.Time) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := heldRun(ctx, tx, runID, claim); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE runs SET next_due = $2, lease_owner = NULL, lease_until = NULL WHERE id = $1`, runID, ts(retryAt))
		return err
	})
	return translate(err, "release run")
}

// prefixed qualifies a column list with a table alias.
func prefixed(alias, cols string) string {
	var b []byte
	field := true
	for i := 0; i < len(cols); i++ {
		c := cols[i]
		switch {
		case c == ',' || c == ' ' || c == '\n' || c == '\t':
			field = true
			b = append(b, c)
		default:
			if field {
				b = append(b, alias...)
				field = false
			}
			b = append(b, c)
		}
	}
	return string(b)
}

// sortClaims orders claims most overdue first (RETURNING has no order).
func sortClaims(cs []store.ClaimedRun) {
	slices.SortFunc(cs, func(a, b store.ClaimedRun) int {
		if c := a.Run.NextDue.Compare(b.Run.NextDue); c != 0 {
			return c
		}
		return strings.Compare(a.Run.ID, b.Run.ID)
	})
}
