package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canaryjudge/canaryjudge/store"
)

const releaseCols = `id, service, target, version, baseline_version, migrations, state, state_reason,
	policy_version, created_at, updated_at, rollback_started_at, rollback_deadline, auto_rollbacks, rollback_attempted,
	analysis_deadline`

// activeStates is the predicate of the releases_one_active index.
const activeStates = `state IN ('baking', 'rolling_back', 'halted')`

func scanRelease(row pgx.Row) (store.Release, error) {
	var (
		r   store.Release
		mig []byte
	)
	err := row.Scan(&r.ID, &r.Service, &r.Target, &r.Version, &r.BaselineVersion, &mig, &r.State, &r.StateReason,
		&r.PolicyVersion, &r.CreatedAt, &r.UpdatedAt, &r.RollbackStartedAt, &r.RollbackDeadline, &r.AutoRollbacks, &r.RollbackAttempted,
		&r.AnalysisDeadline)
	if err != nil {
		return store.Release{}, err
	}
	if err := json.Unmarshal(mig, &r.Migrations); err != nil {
		return store.Release{}, fmt.Errorf("decode migrations of release %s: %w", r.ID, err)
	}
	r.CreatedAt, r.UpdatedAt = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	r.RollbackStartedAt, r.RollbackDeadline = utcPtr(r.RollbackStartedAt), utcPtr(r.RollbackDeadline)
	r.AnalysisDeadline = utcPtr(r.AnalysisDeadline)
	return r, nil
}

// normRelease gives r the form it has once stored.
func normRelease(r store.Release) store.Release {
	r.CreatedAt, r.UpdatedAt = ts(r.CreatedAt), ts(r.UpdatedAt)
	r.RollbackStartedAt, r.RollbackDeadline = tsPtr(r.RollbackStartedAt), tsPtr(r.RollbackDeadline)
	r.AnalysisDeadline = tsPtr(r.AnalysisDeadline)
	return r
}

// CreateRelease inserts r in one transaction; see store.Releases. The
// policy cache notes the new release's service, so that its first analysis
// need not read a policy document the cache holds.
func (s *Store) CreateRelease(ctx context.Context, r store.Release, idem *store.Idem, body []byte, audit store.AuditEntry) (rel store.Release, replay *store.StoredResponse, err error) {
	defer func() {
		if err == nil && rel.ID != "" {
			s.policies.noteRelease(rel.ID, rel.Service)
		}
	}()
	if err := validState(r.State); err != nil {
		return store.Release{}, nil, err
	}
	r = normRelease(r)
	mig, err := encodeJSON(r.Migrations, "migrations")
	if err != nil {
		return store.Release{}, nil, err
	}
	if idem == nil && r.PolicyVersion != 0 {
		return s.createPipelined(ctx, r, mig, audit)
	}
	var (
		out    store.Release
		stored *store.StoredResponse
	)
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if idem != nil {
			if _, err := tx.Exec(ctx, lockIdemSQL, idem.Scope, idem.Key); err != nil {
				return err
			}
			prev, err := getIdempotent(ctx, tx, *idem)
			if err != nil || prev != nil {
				stored = prev
				return err
			}
		}
		pol, err := getPolicy(ctx, tx, r.Service, s.policies)
		if err != nil {
			return err
		}
		if r.PolicyVersion == 0 {
			r.PolicyVersion = pol.Version
		}
		if r.State.Active() {
			active, err := scanRelease(tx.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases
				WHERE service = $1 AND target = $2 AND `+activeStates+` LIMIT 1`, r.Service, r.Target))
			if err == nil {
				return &store.ActiveReleaseError{Active: active}
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		if err := insertRelease(ctx, tx, r, mig); err != nil {
			return err
		}
		if idem != nil {
			if err := saveIdempotent(ctx, tx, *idem, 201, body); err != nil {
				return err
			}
		}
		out = r
		return appendAudit(ctx, tx, store.CreateAudit(audit, r))
	})
	switch {
	case err != nil:
		return store.Release{}, nil, s.createError(ctx, err, r)
	case stored != nil:
		return store.Release{}, stored, nil
	}
	return out, nil, nil
}

// createPipelined creates a release whose policy version the caller read
// and that no Idempotency-Key guards (the common case: a deploy tool's
// POST) in one round trip: BEGIN, the insert, the audit entry and COMMIT
// in one batch on one connection, the same transaction as the general
// path's. The two reads that path makes first are not needed here: the
// one-active index refuses a second active release on the target (the
// error names it, as the pre-check did), and the services foreign key a
// service without a policy.
func (s *Store) createPipelined(ctx context.Context, r store.Release, mig json.RawMessage, audit store.AuditEntry) (store.Release, *store.StoredResponse, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return store.Release{}, nil, translate(err, "create release "+r.ID)
	}
	p := &pipeline{conn: conn, queued: &pgx.Batch{}}
	p.queued.Queue("BEGIN")
	_ = insertRelease(ctx, p, r, mig) // queued: errors come from flush
	_ = appendAudit(ctx, p, store.CreateAudit(audit, r))
	err = p.flush(ctx, "COMMIT")
	if err != nil {
		p.rollback()
	}
	// Back to the pool before createError reads the winner on another
	// connection: holding it then could exhaust the pool under a race.
	conn.Release()
	if err != nil {
		return store.Release{}, nil, s.createError(ctx, err, r)
	}
	return r, nil, nil
}

// insertRelease writes a new release row.
func insertRelease(ctx context.Context, q querier, r store.Release, mig json.RawMessage) error {
	_, err := q.Exec(ctx, `INSERT INTO releases (`+releaseCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)`,
		r.ID, r.Service, r.Target, r.Version, r.BaselineVersion, mig, r.State, r.StateReason,
		r.PolicyVersion, r.CreatedAt, r.UpdatedAt, r.RollbackStartedAt, r.RollbackDeadline, r.AutoRollbacks, r.RollbackAttempted,
		r.AnalysisDeadline)
	return err
}

// createError translates a failed CreateRelease. A unique violation of the
// one-active index (a concurrent create won the race) becomes the same
// *ActiveReleaseError the pre-check returns, naming the winner; translate
// passes that pre-check's error, and any already translated, through as
// they are.
func (s *Store) createError(ctx context.Context, err error, r store.Release) error {
	var pg *pgconn.PgError
	switch {
	case errors.As(err, &pg) && pg.Code == "23505" && pg.ConstraintName == "releases_one_active":
		a, rerr := scanRelease(s.pool.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases
			WHERE service = $1 AND target = $2 AND `+activeStates+` LIMIT 1`, r.Service, r.Target))
		if rerr == nil {
			return &store.ActiveReleaseError{Active: a}
		}
		return fmt.Errorf("service %s already has an active release on target %s: %w", r.Service, r.Target, store.ErrConflict)
	case errors.As(err, &pg) && pg.Code == "23503" && pg.ConstraintName == "releases_service_fkey":
		return fmt.Errorf("service %q has no policy: %w", r.Service, store.ErrNotFound)
	}
	return translate(err, "create release "+r.ID)
}

// GetRelease returns one release.
func (s *Store) GetRelease(ctx context.Context, id string) (store.Release, error) {
	r, err := scanRelease(s.pool.QueryRow(ctx, `SELECT `+releaseCols+` FROM releases WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Release{}, fmt.Errorf("release %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.Release{}, translate(err, "get release")
	}
	return r, nil
}
