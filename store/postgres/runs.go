package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

const runCols = `id, release_id, service, source, scope, start_at, interval_us, lookback_us, delay_us, windows, done,
	state, reason, decision, latest_analysis_id, next_due, claim, lease_owner, lease_until, created_at, updated_at, created_by`

func scanRun(row pgx.Row) (store.Run, error) {
	var (
		r                  store.Run
		scope, dec         []byte
		ivl, lookback, dly int64
		owner              *string
	)
	err := row.Scan(&r.ID, &r.ReleaseID, &r.Service, &r.Source, &scope, &r.Start, &ivl, &lookback, &dly, &r.Windows, &r.Done,
		&r.State, &r.Reason, &dec, &r.LatestAnalysisID, &r.NextDue, &r.Claim, &owner, &r.LeaseUntil, &r.CreatedAt, &r.UpdatedAt, &r.CreatedBy)
	if err != nil {
		return store.Run{}, err
	}
	if err := json.Unmarshal(scope, &r.Scope); err != nil {
		return store.Run{}, fmt.Errorf("decode scope of run %s: %w", r.ID, err)
	}
	if dec != nil {
		r.Decision = &judge.Decision{}
		if err := json.Unmarshal(dec, r.Decision); err != nil {
			return store.Run{}, fmt.Errorf("decode decision of run %s: %w", r.ID, err)
		}
	}
	if owner != nil {
		r.LeaseOwner = *owner
	}
	r.Interval, r.Lookback, r.Delay = judge.D(time.Duration(ivl)*time.Microsecond),
		judge.D(time.Duration(lookback)*time.Microsecond), judge.D(time.Duration(dly)*time.Microsecond)
	r.Start, r.NextDue, r.CreatedAt, r.UpdatedAt = r.Start.UTC(), r.NextDue.UTC(), r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.LeaseUntil = utcPtr(r.LeaseUntil)
	return r, nil
}

func us(d judge.Duration) int64 { return d.Microseconds() }

// CreateRun inserts a run; see store.Runs.
func (s *Store) CreateRun(ctx context.Context, r store.Run, audit store.AuditEntry) (store.Run, error) {
	scope, err := encodeJSON(r.Scope, "run scope")
	if err != nil {
		return store.Run{}, err
	}
	r.Start, r.NextDue, r.CreatedAt, r.UpdatedAt = ts(r.Start), ts(r.NextDue), ts(r.CreatedAt), ts(r.UpdatedAt)
	r.State, r.Done, r.Claim, r.LeaseOwner, r.LeaseUntil = store.RunRunning, 0, 0, "", nil
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT service FROM releases WHERE id = $1 FOR SHARE`, r.ReleaseID).Scan(&r.Service); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("create run: release %q: %w", r.ReleaseID, store.ErrNotFound)
			}
			return err
		}
		if err := lockSource(ctx, tx, r); err != nil {
			return err
		}
		if active, err := scanRun(tx.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE release_id = $1 AND state = 'RUNNING'`, r.ReleaseID)); err == nil {
			return &store.ActiveRunError{Active: active}
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		_, err := tx.Exec(ctx, `INSERT INTO runs (id, release_id, service, source, scope, start_at, interval_us, lookback_us, delay_us,
			windows, state, next_due, created_at, updated_at, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
			r.ID, r.ReleaseID, r.Service, r.Source, scope, r.Start, us(r.Interval), us(r.Lookback), us(r.Delay),
			r.Windows, r.State, r.NextDue, r.CreatedAt, r.UpdatedAt, r.CreatedBy)
		if err != nil {
			return err
		}
		audit.ReleaseID, audit.Service = r.ReleaseID, r.Service
		if audit.At.IsZero() {
			audit.At = r.CreatedAt
		}
		return appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return store.Run{}, s.createRunError(ctx, err, r)
	}
	return r, nil
}

// lockSource holds a stored run source FOR SHARE until the run is
// created, so DeleteSource cannot remove it in between; ErrNotFound when
// it is gone. Sources from the server's file have no row.
func lockSource(ctx context.Context, tx pgx.Tx, r store.Run) error {
	if !r.StoredSource {
		return nil
	}
	var n string
	err := tx.QueryRow(ctx, `SELECT name FROM sources WHERE name = $1 FOR SHARE`, r.Source).Scan(&n)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("create run: source %q: %w", r.Source, store.ErrNotFound)
	}
	return err
}

// createRunError names the winner when a concurrent create took the
// release's one running run. translate passes the pre-check's
// *ActiveRunError and ErrNotFound through as they are.
func (s *Store) createRunError(ctx context.Context, err error, r store.Run) error {
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "runs_one_running" {
		if a, rerr := scanRun(s.pool.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE release_id = $1 AND state = 'RUNNING'`, r.ReleaseID)); rerr == nil {
			return &store.ActiveRunError{Active: a}
		}
		return fmt.Errorf("release %s already has a running run: %w", r.ReleaseID, store.ErrConflict)
	}
	return translate(err, "create run "+r.ID)
}

// GetRun returns one run.
func (s *Store) GetRun(ctx context.Context, id string) (store.Run, error) {
	r, err := scanRun(s.pool.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Run{}, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	return r, translate(err, "get run")
}

// ListRuns returns the runs q selects, newest first.
func (s *Store) ListRuns(ctx context.Context, q store.RunQuery) ([]store.Run, error) {
	var afterAt *time.Time
	if q.AfterAt != nil {
		t := ts(*q.AfterAt)
		afterAt = &t
	}
	rows, err := s.pool.Query(ctx, `SELECT `+runCols+` FROM runs
		WHERE ($1 = '' OR state = $1) AND ($2 = '' OR release_id = $2) AND ($3::text[] IS NULL OR service = ANY($3))
		  AND ($4::timestamptz IS NULL OR (created_at, id COLLATE "C") < ($4, $5::text COLLATE "C"))
		ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT $6`,
		string(q.State), q.ReleaseID, q.Services, afterAt, q.AfterID, limitArg(q.Limit))
	if err != nil {
		return nil, translate(err, "list runs")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Run, error) { return scanRun(row) })
	return nonNil(out), translate(err, "list runs")
}

// RunWindows returns a run's window records, oldest first.
func (s *Store) RunWindows(ctx context.Context, runID string) ([]store.RunWindow, error) {
	rows, err := s.pool.Query(ctx, `SELECT run_id, seq, window_start, window_end, analysis_id, source_error, queries, action, reason,
		worker, claim, adopted, started_at, lag_us, at FROM run_windows WHERE run_id = $1 ORDER BY seq`, runID)
	if err != nil {
		return nil, translate(err, "run windows")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.RunWindow, error) {
		var (
			w   store.RunWindow
			qs  []byte
			lag int64
		)
		if err := row.Scan(&w.RunID, &w.Seq, &w.Start, &w.End, &w.AnalysisID, &w.SourceError, &qs, &w.Action, &w.Reason,
			&w.Worker, &w.Claim, &w.Adopted, &w.StartedAt, &lag, &w.At); err != nil {
			return w, err
		}
		w.Start, w.End, w.StartedAt, w.At = w.Start.UTC(), w.End.UTC(), w.StartedAt.UTC(), w.At.UTC()
		w.LagSeconds = (time.Duration(lag) * time.Microsecond).Seconds()
		return w, json.Unmarshal(qs, &w.Queries)
	})
	return nonNil(out), translate(err, "run windows")
}

// CancelRun ends a running run as CANCELED.
func (s *Store) CancelRun(ctx context.Context, id, reason string, now time.Time, audit store.AuditEntry) (store.Run, error) {
	var out store.Run
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		r, err := scanRun(tx.QueryRow(ctx, `SELECT `+runCols+` FROM runs WHERE id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("run %q: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if r.State != store.RunRunning {
			out = r
			return fmt.Errorf("run %s is %s, not RUNNING: %w", id, r.State, store.ErrConflict)
		}
		r.State, r.Reason, r.UpdatedAt, r.LeaseOwner, r.LeaseUntil = store.RunCanceled, reason, ts(now), "", nil
		if _, err := tx.Exec(ctx, `UPDATE runs SET state = $2, reason = $3, updated_at = $4, lease_owner = NULL, lease_until = NULL
			WHERE id = $1`, id, r.State, r.Reason, r.UpdatedAt); err != nil {
			return err
		}
		audit.ReleaseID, audit.Service = r.ReleaseID, r.Service
		if audit.At.IsZero() {
			audit.At = r.UpdatedAt
		}
		out = r
		return appendAudit(ctx, tx, audit)
	})
	return out, translate(err, "cancel run")
}
