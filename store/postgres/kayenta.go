package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// SaveKayentaExecution inserts e and appends audit in one transaction.
func (s *Store) SaveKayentaExecution(ctx context.Context, e store.KayentaExecution, audit store.AuditEntry) error {
	if e.PolicyVersion <= 0 || len(e.Request) == 0 {
		return store.Invalid("kayenta_execution", "needs a policy version and the request")
	}
	params, err := json.Marshal(e.Params)
	if err != nil {
		return fmt.Errorf("encode kayenta params: %w", err)
	}
	var result []byte
	if e.Result != nil {
		if result, err = json.Marshal(e.Result); err != nil {
			return fmt.Errorf("encode kayenta result: %w", err)
		}
	}
	if e.Params == nil {
		params = []byte("{}")
	}
	if audit.Service == "" {
		audit.Service = e.Service
	}
	if audit.At.IsZero() {
		audit.At = e.CreatedAt
	}
	return translate(pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO kayenta_executions (id, service, policy_version, params, request, status, result,
				error, created_at, ended_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			e.ID, e.Service, e.PolicyVersion, params, rawJSON(e.Request), e.Status, rawJSON(result), e.Error, ts(e.CreatedAt), ts(e.EndedAt))
		if err != nil {
			return translate(err, "save kayenta execution")
		}
		return appendAudit(ctx, tx, audit)
	}), "save kayenta execution")
}

// KayentaExecution returns one execution.
func (s *Store) KayentaExecution(ctx context.Context, id string) (store.KayentaExecution, error) {
	var (
		e              store.KayentaExecution
		params, result []byte
		request        []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT id, service, policy_version, params, request, status, result, error, created_at, ended_at
		FROM kayenta_executions WHERE id = $1`, id).Scan(&e.ID, &e.Service, &e.PolicyVersion, &params, &request, &e.Status,
		&result, &e.Error, &e.CreatedAt, &e.EndedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.KayentaExecution{}, fmt.Errorf("kayenta execution %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return store.KayentaExecution{}, translate(err, "get kayenta execution")
	}
	e.CreatedAt, e.EndedAt, e.Request = e.CreatedAt.UTC(), e.EndedAt.UTC(), request
	if err := json.Unmarshal(params, &e.Params); err != nil {
		return store.KayentaExecution{}, fmt.Errorf("decode kayenta params: %w", err)
	}
	if result != nil {
		if err := json.Unmarshal(result, &e.Result); err != nil {
			return store.KayentaExecution{}, fmt.Errorf("decode kayenta result: %w", err)
		}
	}
	return e, nil
}

// ListPolicies returns every service's newest policy, by service name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.PolicyRecord, error) {
	rows, err := s.pool.Query(ctx, `SELECT DISTINCT ON (service) service, version, document, created_at, created_by
		FROM policies ORDER BY service, version DESC`)
	if err != nil {
		return nil, translate(err, "list policies")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.PolicyRecord, error) {
		var (
			rec store.PolicyRecord
			doc []byte
		)
		if err := row.Scan(&rec.Service, &rec.Version, &doc, &rec.CreatedAt, &rec.CreatedBy); err != nil {
			return rec, err
		}
		rec.CreatedAt = rec.CreatedAt.UTC()
		return rec, json.Unmarshal(doc, &rec.Policy)
	})
	if err != nil {
		return nil, translate(err, "list policies")
	}
	return nonNil(out), nil
}
