package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// AuditLog reads the audit log by keyset on id; see store.AuditQuery.
func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.ReleaseID != "" {
		where = append(where, "release_id = "+arg(q.ReleaseID))
	}
	if q.Service != "" {
		where = append(where, "service = "+arg(q.Service))
	}
	if len(q.Services) > 0 {
		where = append(where, "service = ANY("+arg(q.Services)+"::text[])")
	}
	order := "id"
	switch {
	case q.Desc && q.AfterID > 0:
		where = append(where, "id < "+arg(q.AfterID))
	case !q.Desc:
		where = append(where, "id > "+arg(q.AfterID))
	}
	if q.Desc {
		order = "id DESC"
	}
	sql := `SELECT id, at, actor, action, service, release_id, policy_version, input, input_z, input_n, output, output_z FROM audit_log`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.pool.Query(ctx, sql+" ORDER BY "+order+" LIMIT "+arg(limitArg(q.Limit)), args...)
	if err != nil {
		return nil, translate(err, "audit log")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.AuditEntry, error) {
		var (
			e                           store.AuditEntry
			input, inputZ, inputN, outZ []byte
		)
		if err := row.Scan(&e.ID, &e.At, &e.Actor, &e.Action, &e.Service, &e.ReleaseID, &e.PolicyVersion, &input, &inputZ, &inputN, &e.Output, &outZ); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		var err error
		if e.Input, err = readAuditInput(input, inputZ, inputN); err != nil {
			return e, fmt.Errorf("audit entry %d input: %w", e.ID, err)
		}
		if e.Output, err = readDocument(e.Output, outZ); err != nil {
			return e, fmt.Errorf("audit entry %d output: %w", e.ID, err)
		}
		return e, nil
	})
	return nonNil(out), translate(err, "audit log")
}

// ListReleases reads releases newest first by keyset on (created_at, id).
func (s *Store) ListReleases(ctx context.Context, q store.ReleaseQuery) ([]store.Release, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	for _, c := range []struct{ col, val string }{{"service", q.Service}, {"target", q.Target}, {"state", string(q.State)}} {
		if c.val != "" {
			where = append(where, c.col+" = "+arg(c.val))
		}
	}
	if len(q.Services) > 0 {
		where = append(where, "service = ANY("+arg(q.Services)+")")
	}
	if q.AfterAt != nil {
		at, id := arg(ts(*q.AfterAt)), arg(q.AfterID)
		where = append(where, fmt.Sprintf(`(created_at < %s OR (created_at = %s AND id COLLATE "C" < %s))`, at, at, id))
	}
	sql := `SELECT ` + releaseCols + ` FROM releases`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	rows, err := s.pool.Query(ctx, sql+` ORDER BY created_at DESC, id COLLATE "C" DESC LIMIT `+arg(limitArg(q.Limit)), args...)
	if err != nil {
		return nil, translate(err, "list releases")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Release, error) { return scanRelease(row) })
	return nonNil(out), translate(err, "list releases")
}
