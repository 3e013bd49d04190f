package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
		return judge.Freeze{}, translate(err, "put freeze")
	}
	return f, nil
}

// DeleteFreeze lifts the freeze of scope (expired or not) and appends audit.
func (s *Store) DeleteFreeze(ctx context.Context, scope string, audit store.AuditEntry) error {
	return translate(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM freezes WHERE scope = $1`, scope)
		if err != nil {
			return translate(err, "delete freeze")
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no freeze on %q: %w", scope, store.ErrNotFound)
		}
		return appendAudit(ctx, tx, audit)
	}), "delete freeze")
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

// CreateToken stores t under hash and appends audit. A taken id, name or
// hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token, hash []byte, audit store.AuditEntry) error {
	if len(hash) == 0 {
		return errors.New("create token: empty hash")
	}
	if audit.At.IsZero() {
		audit.At = t.CreatedAt
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO tokens (id, name, hash, scopes, services, created_at) VALUES ($1, $2, $3, $4, $5, $6)`,
			t.ID, t.Name, hash, nonNil(t.Scopes), nonNil(t.Services), ts(t.CreatedAt))
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
	var pg *pgconn.PgError
	if errors.As(err, &pg) && pg.ConstraintName == "tokens_name" {
		return fmt.Errorf("a token named %q exists already: %w", t.Name, store.ErrConflict)
	}
	return translate(err, "create token "+t.ID)
}

const tokenCols = `id, name, scopes, services, created_at, last_used_at`

func scanToken(row pgx.Row) (store.Token, error) {
	var t store.Token
	err := row.Scan(&t.ID, &t.Name, &t.Scopes, &t.Services, &t.CreatedAt, &t.LastUsedAt)
	t.Scopes, t.Services, t.CreatedAt, t.LastUsedAt = nonNil(t.Scopes), nonNil(t.Services), t.CreatedAt.UTC(), utcPtr(t.LastUsedAt)
	return t, err
}

// TokenByHash returns the token stored under hash; ErrNotFound otherwise.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	t, err := scanToken(s.pool.QueryRow(ctx, `SELECT `+tokenCols+` FROM tokens WHERE hash = $1`, hash))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, translate(err, "token by hash")
	}
	return t, nil
}

// TouchToken sets last_used_at (never backwards).
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE tokens SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, id, ts(at))
	return translate(err, "touch token")
}

// ListTokens returns every token by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+tokenCols+` FROM tokens ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, translate(err, "list tokens")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Token, error) { return scanToken(row) })
	return nonNil(out), translate(err, "list tokens")
}

// DeleteToken revokes the token called name and appends audit.
func (s *Store) DeleteToken(ctx context.Context, name string, audit store.AuditEntry) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `DELETE FROM tokens WHERE name = $1`, name)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("no token named %q: %w", name, store.ErrNotFound)
		}
		return appendAudit(ctx, tx, audit)
	})
	return translate(err, "delete token")
}
