package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// LatestDecision returns the newest decision on a release; ErrNotFound when
// there is none.
func (s *Store) LatestDecision(ctx context.Context, releaseID string) (store.DecisionRecord, error) {
	var (
		d   store.DecisionRecord
		doc []byte
	)
	err := s.pool.QueryRow(ctx, `SELECT id, release_id, service, target, analysis_id, trigger, actor, automatic,
			state_from, decision, created_at
		FROM decisions WHERE release_id = $1 ORDER BY id DESC LIMIT 1`, releaseID).Scan(
		&d.ID, &d.ReleaseID, &d.Service, &d.Target, &d.AnalysisID, &d.Trigger, &d.Actor, &d.Automatic,
		&d.StateFrom, &doc, &d.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.DecisionRecord{}, fmt.Errorf("no decision on release %q: %w", releaseID, store.ErrNotFound)
	}
	if err != nil {
		return store.DecisionRecord{}, translate(err, "latest decision")
	}
	if err := json.Unmarshal(doc, &d.Decision); err != nil {
		return store.DecisionRecord{}, fmt.Errorf("decode decision %d: %w", d.ID, err)
	}
	d.CreatedAt = d.CreatedAt.UTC()
	return d, nil
}

// Analyses returns a release's analyses, newest first.
func (s *Store) Analyses(ctx context.Context, releaseID string, limit int) ([]store.Analysis, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, release_id, seq, coalesce(verdict, ''), error,
			coalesce(window_start, window_at), window_at, summary, result, result_z, source_error, policy_version, created_at
		FROM analyses WHERE release_id = $1 ORDER BY seq DESC LIMIT $2`, releaseID, limitArg(limit))
	if err != nil {
		return nil, translate(err, "analyses")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Analysis, error) {
		var (
			a              store.Analysis
			doc, docZ, sum []byte
		)
		if err := row.Scan(&a.ID, &a.ReleaseID, &a.Seq, &a.Window.Verdict, &a.Window.Error, &a.Window.Start, &a.Window.At, &sum, &doc, &docZ,
			&a.SourceError, &a.PolicyVersion, &a.CreatedAt); err != nil {
			return a, err
		}
		if sum != nil {
			if err := json.Unmarshal(sum, &a.Window.Metrics); err != nil {
				return a, fmt.Errorf("decode summary of analysis %d: %w", a.ID, err)
			}
		}
		doc, err := readDocument(doc, docZ)
		if err != nil {
			return a, fmt.Errorf("result of analysis %d: %w", a.ID, err)
		}
		if doc != nil {
			a.Result = new(judge.Result)
			if err := json.Unmarshal(doc, a.Result); err != nil {
				return a, fmt.Errorf("decode result of analysis %d: %w", a.ID, err)
			}
		}
		a.Window.Start, a.Window.At, a.CreatedAt = a.Window.Start.UTC(), a.Window.At.UTC(), a.CreatedAt.UTC()
		return a, nil
	})
	return nonNil(out), translate(err, "analyses")
}

// GetIdempotent looks up a stored response outside any release lock.
func (s *Store) GetIdempotent(ctx context.Context, idem store.Idem) (*store.StoredResponse, error) {
	return getIdempotent(ctx, s.pool, idem)
}

func getIdempotent(ctx context.Context, q querier, idem store.Idem) (*store.StoredResponse, error) {
	var r store.StoredResponse
	err := q.QueryRow(ctx, `SELECT request_hash, status, body FROM idempotency WHERE scope = $1 AND key = $2`,
		idem.Scope, idem.Key).Scan(&r.RequestHash, &r.Status, &r.Body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "idempotency lookup")
	}
	return &r, nil
}

func saveIdempotent(ctx context.Context, q querier, idem store.Idem, status int, body []byte) error {
	_, err := q.Exec(ctx, `INSERT INTO idempotency (scope, key, request_hash, status, body) VALUES ($1, $2, $3, $4, $5)`,
		idem.Scope, idem.Key, idem.Hash, status, []byte(body))
	return translate(err, "save idempotent response")
}

func appendAudit(ctx context.Context, q querier, e store.AuditEntry) error {
	if e.Action == "" {
		return nil // nothing to record
	}
	input, inputZ, inputN := auditInput(e.Input)
	output, outputZ := document(e.Output, docWriters)
	_, err := q.Exec(ctx, `INSERT INTO audit_log (at, actor, action, service, release_id, policy_version, input, input_z, input_n, output, output_z)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		ts(e.At), e.Actor, e.Action, e.Service, e.ReleaseID, e.PolicyVersion, input, inputZ, inputN, output, outputZ)
	return translate(err, "append audit")
}

// auditInput splits an audit input into the three columns that can hold
// it: packed (input_n) when it is large and has numbers to pack, else as
// document splits it.
func auditInput(in []byte) (plain any, z, packed []byte) {
	if len(in) >= deflateMin {
		if n, ok := packNumbers(in); ok {
			return nil, nil, n
		}
	}
	plain, z = document(in, huffmanWriters)
	return plain, z, nil
}

// readAuditInput is the stored input, from whichever column holds it.
func readAuditInput(plain, z, packed []byte) ([]byte, error) {
	if packed != nil {
		return unpackNumbers(packed)
	}
	return readDocument(plain, z)
}

// Verdicts reads the verdict_history view newest first, by keyset on
// (at, analysis_id): Since inclusive, Until exclusive, After exclusive.
func (s *Store) Verdicts(ctx context.Context, q store.VerdictQuery) ([]store.Verdict, error) {
	var (
		where []string
		args  []any
	)
	arg := func(v any) string { args = append(args, v); return fmt.Sprintf("$%d", len(args)) }
	if q.Service != "" {
		where = append(where, "service = "+arg(q.Service))
	}
	if q.Since != nil {
		where = append(where, "at >= "+arg(ts(*q.Since)))
	}
	if q.Until != nil {
		where = append(where, "at < "+arg(ts(*q.Until)))
	}
	if q.AfterAt != nil {
		where = append(where, fmt.Sprintf("(at, analysis_id) < (%s, %s)", arg(ts(*q.AfterAt)), arg(q.AfterID)))
	}
	sql := `SELECT analysis_id, release_id, service, target, version, seq, coalesce(verdict, ''), score,
		coalesce(action, ''), coalesce(reason, ''), coalesce(state, ''), at FROM verdict_history`
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	sql += " ORDER BY at DESC, analysis_id DESC LIMIT " + arg(limitArg(q.Limit))
	rows, err := s.pool.Query(ctx, sql, args...)
	if err != nil {
		return nil, translate(err, "verdicts")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (store.Verdict, error) {
		var v store.Verdict
		err := row.Scan(&v.AnalysisID, &v.ReleaseID, &v.Service, &v.Target, &v.Version, &v.Seq, &v.Verdict, &v.Score,
			&v.Action, &v.Reason, &v.State, &v.At)
		v.At = v.At.UTC()
		return v, err
	})
	return nonNil(out), translate(err, "verdicts")
}
