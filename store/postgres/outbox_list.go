package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

const entryCols = messageCols + `, o.last_error, o.next_attempt_at, o.delivered_at, o.dead, o.dead_at`

// stateSQL selects one delivery state; each uses a partial index or the key.
var stateSQL = map[string]string{
	"":                    "true",
	outbox.StatePending:   "o.delivered_at IS NULL AND NOT o.dead",
	outbox.StateDelivered: "o.delivered_at IS NOT NULL",
	outbox.StateDead:      "o.dead",
}

// ListOutbox returns entries newest first (by id), keyset-paginated by
// q.BeforeID. An unknown q.State is an error.
func (s *Store) ListOutbox(ctx context.Context, q outbox.Query) ([]outbox.Entry, error) {
	cond, ok := stateSQL[q.State]
	if !ok {
		return nil, fmt.Errorf("outbox state %q is not one of %v", q.State, outbox.States)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+entryCols+` FROM outbox o
		WHERE `+cond+` AND ($1 = '' OR o.service = $1) AND ($2 = 0 OR o.id < $2)
			AND (cardinality($4::text[]) = 0 OR o.service = ANY($4::text[]))
		ORDER BY o.id DESC LIMIT $3`, q.Service, q.BeforeID, limitArg(q.Limit), nonNil(q.Services))
	if err != nil {
		return nil, translate(err, "list outbox")
	}
	out, err := pgx.CollectRows(rows, scanEntry)
	if err != nil {
		return nil, translate(err, "list outbox")
	}
	return nonNil(out), nil
}

func scanEntry(row pgx.CollectableRow) (outbox.Entry, error) {
	var (
		e    outbox.Entry
		next time.Time
		dead bool
	)
	m := &e.Message
	err := row.Scan(&m.ID, &m.ReleaseID, &m.Service, &m.Target, &m.Kind, &m.Summary, &m.Severity, &m.Details,
		&m.Sink.PolicyVersion, &m.Sink.Index, &m.Sink.Kind, &m.Sink.Key, &m.Attempts, &m.CreatedAt, &m.Claim,
		&e.LastError, &next, &e.DeliveredAt, &dead, &e.DeadAt)
	m.CreatedAt, m.Claim = m.CreatedAt.UTC(), 0
	e.DeliveredAt, e.DeadAt = utcPtr(e.DeliveredAt), utcPtr(e.DeadAt)
	switch {
	case dead:
		e.State = outbox.StateDead
	case e.DeliveredAt != nil:
		e.State = outbox.StateDelivered
	default:
		e.State, e.NextAttemptAt = outbox.StatePending, utcPtr(&next)
	}
	return e, err
}

// Redeliver gives a dead message a fresh retry budget, due at now, and
// appends audit (ReleaseID, Service and a zero At filled from the message
// and now) in the same transaction. ErrNotFound for an unknown id;
// ErrConflict when the message is not dead.
func (s *Store) Redeliver(ctx context.Context, id int64, now time.Time, audit store.AuditEntry) (outbox.Entry, error) {
	var e outbox.Entry
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `UPDATE outbox o SET dead = false, dead_at = NULL, attempts = 0, next_attempt_at = $2
			WHERE o.id = $1 AND o.dead RETURNING `+entryCols, id, ts(now))
		if err != nil {
			return err
		}
		got, err := pgx.CollectRows(rows, scanEntry)
		if err != nil {
			return err
		}
		if len(got) == 0 {
			return notDead(ctx, tx, id)
		}
		e = got[0]
		audit.ReleaseID, audit.Service = e.ReleaseID, e.Service
		if audit.At.IsZero() {
			audit.At = now
		}
		return appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return outbox.Entry{}, translate(err, "redeliver")
	}
	return e, nil
}

func notDead(ctx context.Context, q querier, id int64) error {
	var delivered bool
	err := q.QueryRow(ctx, `SELECT delivered_at IS NOT NULL FROM outbox WHERE id = $1`, id).Scan(&delivered)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	case err != nil:
		return err
	case delivered:
		return fmt.Errorf("outbox message %d is delivered, not dead: %w", id, store.ErrConflict)
	}
	return fmt.Errorf("outbox message %d is pending, not dead: %w", id, store.ErrConflict)
}

// Backlog counts pending and dead messages (through their partial indexes).
func (s *Store) Backlog(ctx context.Context) (outbox.Backlog, error) {
	var b outbox.Backlog
	err := s.pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND NOT dead),
			(SELECT min(created_at) FROM outbox WHERE delivered_at IS NULL AND NOT dead),
			(SELECT count(*) FROM outbox WHERE dead)`).Scan(&b.Pending, &b.OldestPending, &b.Dead)
	if err != nil {
		return outbox.Backlog{}, translate(err, "outbox backlog")
	}
	b.OldestPending = utcPtr(b.OldestPending)
	return b, nil
}
