package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// InRelease locks the release row (SELECT ... FOR UPDATE) and runs fn in
// that transaction. fn's error rolls everything back and is returned as is;
// otherwise the transaction commits.
//
// fn should do its store work through tx. It may read through the Store
// (another pooled connection) but must not start another unit of work on
// the same release: that would wait for this one forever.
func (s *Store) InRelease(ctx context.Context, id string, fn func(tx store.ReleaseTx) error) error {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return translate(err, "release "+id)
	}
	defer conn.Release()
	t, err := begin(ctx, conn, id, s.policies)
	if err != nil {
		(&pipeline{conn: conn, queued: &pgx.Batch{}}).rollback()
		return err
	}
	p := t.q.(*pipeline)
	if err := fn(t); err != nil {
		p.rollback()
		return err
	}
	if err := p.flush(ctx, "COMMIT"); err != nil {
		p.rollback()
		return translate(err, "release "+id)
	}
	return nil
}

// SweepStuck handles up to limit releases in rolling_back whose deadline
// passed before now, each in its own transaction: the oldest deadline is
// locked FOR UPDATE SKIP LOCKED, so replicas sweeping at once never take
// the same release, and fn runs on it. A release is taken at most once per
// call, even when fn leaves it rolling_back. fn's error rolls back that one
// release and stops the sweep.
func (s *Store) SweepStuck(ctx context.Context, now time.Time, limit int, fn func(tx store.ReleaseTx) error) (int, error) {
	return s.sweep(ctx, "state = 'rolling_back' AND rollback_deadline < $1", "rollback_deadline", now, limit, fn)
}

// SweepStale is SweepStuck for baking releases past their analysis
// deadline.
func (s *Store) SweepStale(ctx context.Context, now time.Time, limit int, fn func(tx store.ReleaseTx) error) (int, error) {
	return s.sweep(ctx, "state = 'baking' AND analysis_deadline < $1", "analysis_deadline", now, limit, fn)
}

// sweep runs fn on each release matching where ($1 is now), by the
// deadline column, one transaction each, skipping locked rows.
func (s *Store) sweep(ctx context.Context, where, deadline string, now time.Time, limit int, fn func(tx store.ReleaseTx) error) (int, error) {
	now = ts(now)
	handled := 0
	seen := []string{}
	for handled < limit {
		var (
			found bool
			fnErr error
		)
		err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
			r, err := scanRelease(tx.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases
				WHERE `+where+` AND NOT (id = ANY($2))
				ORDER BY `+deadline+`, id LIMIT 1 FOR UPDATE SKIP LOCKED`, now, seen))
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return translate(err, "lock stuck release")
			}
			found = true
			seen = append(seen, r.ID)
			fnErr = fn(&releaseTx{q: tx, rel: r})
			return fnErr
		})
		switch {
		case fnErr != nil:
			return handled, fnErr
		case err != nil:
			return handled, translate(err, "sweep")
		case !found:
			return handled, nil
		}
		handled++
	}
	return handled, nil
}
