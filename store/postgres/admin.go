package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

const freezeCols = `scope, reason, created_by, created_at, expires_at`

func scanFreeze(row pgx.Row) (judge.Freeze, error) {
	var f judge.Freeze
	err := row.Scan(&f.Scope, &f.Reason, &f.CreatedBy, &f.CreatedAt, &f.ExpiresAt)
	f.CreatedAt, f.ExpiresAt = f.CreatedAt.UTC(), utcPtr(f.ExpiresAt)
	return f, err
}

// PutFreeze sets (or replaces) the freeze of f.Scope and appends audit (its
// At defaults to f.CreatedAt) in the same transaction.
func (s *Store) PutFreeze(ctx context.Context, f judge.Freeze, audit store.AuditEntry) (judge.Freeze, error) {
	f.CreatedAt, f.ExpiresAt = ts(f.CreatedAt), tsPtr(f.ExpiresAt)
	if audit.At.IsZero() {
		audit.At = f.CreatedAt
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO freezes (`+freezeCols+`) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (scope) DO UPDATE SET reason = excluded.reason, created_by = excluded.created_by,
				created_at = excluded.created_at, expires_at = excluded.expires_at`,
			f.Scope, f.Reason, f.CreatedBy, f.CreatedAt, f.ExpiresAt)
		if err != nil {
			return translate(err, "put freeze")
		}
		return appendAudit(ctx, tx, audit)
	})
	if err != nil {
		return judge.Freeze{}, err
	}
	return f, nil
}

// DeleteFreeze lifts the freeze of scope (expired or not) and appends audit.
func (s *Store) DeleteFreeze(ctx context.Context, scope string, audit store.AuditEntry) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM freezes WHERE scope = $1`, scope)
		if err != nil {
			return translate(err, "delete freeze")
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no freeze on %q: %w", scope, store.ErrNotFound)
		}
		return appendAudit(ctx, tx, audit)
	})
}

// ListFreezes returns the freezes in force at now, global first, then by scope.
func (s *Store) ListFreezes(ctx context.Context, now time.Time) ([]judge.Freeze, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+freezeCols+` FROM freezes
		WHERE expires_at IS NULL OR expires_at > $1 ORDER BY scope <> 'global', scope`, ts(now))
	if err != nil {
		return nil, translate(err, "list freezes")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (judge.Freeze, error) { return scanFreeze(row) })
	return nonNil(out), translate(err, "list freezes")
}

// freezeFor returns the freeze in force at now covering service: the global
// one when set, else service:NAME; nil when none.
func freezeFor(ctx context.Context, q querier, service string, now time.Time) (*judge.Freeze, error) {
	f, err := scanFreeze(q.QueryRow(ctx, `SELECT `+freezeCols+` FROM freezes
		WHERE scope IN ('global', 'service:' || $1) AND (expires_at IS NULL OR expires_at > $2)
		ORDER BY scope <> 'global' LIMIT 1`, service, ts(now)))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "freeze")
	}
	return &f, nil
}

// CreateToken stores t under hash. A taken id or hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token, hash []byte) error {
	if len(hash) == 0 {
		return errors.New("create token: empty hash")
	}
	_, err := s.pool.Exec(ctx, `INSERT INTO tokens (id, name, hash, scopes, created_at) VALUES ($1, $2, $3, $4, $5)`,
		t.ID, t.Name, hash, nonNil(t.Scopes), ts(t.CreatedAt))
	return translate(err, "create token "+t.ID)
}

// TokenByHash returns the token stored under hash; ErrNotFound otherwise.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	var t store.Token
	err := s.pool.QueryRow(ctx, `SELECT id, name, scopes, created_at FROM tokens WHERE hash = $1`, hash).
		Scan(&t.ID, &t.Name, &t.Scopes, &t.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, translate(err, "token by hash")
	}
	t.Scopes, t.CreatedAt = nonNil(t.Scopes), t.CreatedAt.UTC()
	return t, nil
}
