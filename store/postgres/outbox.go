package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/store"
)

var _ notify.Outbox = (*Store)(nil)

// enqueue writes one outbox row, due at once (next_attempt_at = CreatedAt).
func enqueue(ctx context.Context, q querier, m notify.Message) error {
	sink, err := encodeJSON(m.Sink, "sink")
	if err != nil {
		return err
	}
	at := ts(m.CreatedAt)
	_, err = q.Exec(ctx, `INSERT INTO outbox (release_id, service, target, kind, summary, severity, details, sink,
			attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
		m.ReleaseID, m.Service, m.Target, m.Kind, m.Summary, m.Severity, rawJSON(m.Details), sink, m.Attempts, at)
	return translate(err, "enqueue")
}

// Claim takes up to limit due messages in id order and hides them from other
// claimers until now+lease. Rows another claimer holds are skipped, so two
// dispatchers never get the same message. limit <= 0 claims nothing.
func (s *Store) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]notify.Message, error) {
	if limit <= 0 {
		return []notify.Message{}, nil
	}
	now = ts(now)
	rows, err := s.pool.Query(ctx, `WITH due AS (
			SELECT id FROM outbox
			WHERE next_attempt_at <= $1 AND delivered_at IS NULL AND NOT dead
			ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)
		UPDATE outbox o SET next_attempt_at = $3 FROM due WHERE o.id = due.id
		RETURNING o.id, o.release_id, o.service, o.target, o.kind, o.summary, o.severity, o.details, o.sink,
			o.attempts, o.created_at`, now, limit, ts(now.Add(lease)))
	if err != nil {
		return nil, translate(err, "claim")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (notify.Message, error) {
		var (
			m    notify.Message
			sink []byte
		)
		if err := row.Scan(&m.ID, &m.ReleaseID, &m.Service, &m.Target, &m.Kind, &m.Summary, &m.Severity,
			&m.Details, &sink, &m.Attempts, &m.CreatedAt); err != nil {
			return m, err
		}
		m.CreatedAt = m.CreatedAt.UTC()
		if err := json.Unmarshal(sink, &m.Sink); err != nil {
			return m, fmt.Errorf("decode sink of outbox row %d: %w", m.ID, err)
		}
		return m, nil
	})
	if err != nil {
		return nil, translate(err, "claim")
	}
	slices.SortFunc(out, func(a, b notify.Message) int { return cmp.Compare(a.ID, b.ID) })
	return nonNil(out), nil
}

// Delivered marks a message delivered at at.
func (s *Store) Delivered(ctx context.Context, id int64, at time.Time) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET delivered_at = $2 WHERE id = $1`, id, ts(at))
	if err != nil {
		return translate(err, "mark delivered")
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	}
	return nil
}

// Retry records a failed attempt: the message is due again at next, or
// given up (dead) and kept for inspection.
func (s *Store) Retry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string, dead bool) error {
	tag, err := s.pool.Exec(ctx, `UPDATE outbox SET attempts = $2, next_attempt_at = $3, last_error = $4, dead = $5
		WHERE id = $1`, id, attempts, ts(next), lastErr, dead)
	if err != nil {
		return translate(err, "retry")
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	}
	return nil
}
