package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// PutSource creates or replaces a source; see store.Sources.
func (s *Store) PutSource(ctx context.Context, src store.SourceRecord, audit store.AuditEntry) (store.SourceRecord, error) {
	src.UpdatedAt = ts(src.UpdatedAt)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `INSERT INTO sources (name, type, config, version, updated_at, updated_by)
			VALUES ($1, $2, $3, 1, $4, $5)
			ON CONFLICT (name) DO UPDATE SET type = EXCLUDED.type, config = EXCLUDED.config,
				version = sources.version + 1, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
			RETURNING version`, src.Name, src.Type, rawJSON(src.Config), src.UpdatedAt, src.UpdatedBy).Scan(&src.Version)
		if err != nil {
			return err
		}
		if audit.At.IsZero() {
			audit.At = src.UpdatedAt
		}
		return appendAudit(ctx, tx, audit)
	})
	return src, translate(err, "put source")
}

const sourceCols = `name, type, config, version, updated_at, updated_by`

func scanSource(row pgx.Row) (store.SourceRecord, error) {
	var src store.SourceRecord
	err := row.Scan(&src.Name, &src.Type, &src.Config, &src.Version, &src.UpdatedAt, &src.UpdatedBy)
	src.UpdatedAt = src.UpdatedAt.UTC()
	return src, err
}

// GetSource returns one source.
func (s *Store) GetSource(ctx context.Context, name string) (store.SourceRecord, error) {
	src, err := scanSource(s.pool.QueryRow(ctx, `SELECT `+sourceCols+` FROM sources WHERE name = $1`, name))
	if errors.Is(err, pgx.ErrNoRows) {
		return store.SourceRecord{}, fmt.Errorf("source %q: %w", name, store.ErrNotFound)
	}
	return src, translate(err, "get source")
}

// ListSources returns every source by name.
func (s *Store) ListSources(ctx context.Context) ([]store.SourceRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+sourceCols+` FROM sources ORDER BY name COLLATE "C"`)
	if err != nil {
		return nil, translate(err, "list sources")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.SourceRecord, error) { return scanSource(row) })
	return nonNil(out), translate(err, "list sources")
}

// DeleteSource removes a source unless a running run uses it. The row
// lock orders it with CreateRun, which holds the same row FOR SHARE: a run
// created first is seen here (409), and a run created after finds its
// source gone (ErrNotFound).
func (s *Store) DeleteSource(ctx context.Context, name string, audit store.AuditEntry) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var n string
		if err := tx.QueryRow(ctx, `SELECT name FROM sources WHERE name = $1 FOR UPDATE`, name).Scan(&n); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("source %q: %w", name, store.ErrNotFound)
			}
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id FROM runs WHERE source = $1 AND state = 'RUNNING' ORDER BY id COLLATE "C" LIMIT $2`, name, store.MaxInUseRuns)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			return &store.SourceInUseError{Source: name, Runs: ids}
		}
		if _, err := tx.Exec(ctx, `DELETE FROM sources WHERE name = $1`, name); err != nil {
			return err
		}
		return appendAudit(ctx, tx, audit)
	})
	return translate(err, "delete source")
}
