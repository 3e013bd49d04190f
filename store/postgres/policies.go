package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// PutPolicy appends a policy version. The service row is locked FOR UPDATE
// so that concurrent writers serialise and If-Match is checked atomically.
func (s *Store) PutPolicy(ctx context.Context, service string, p judge.Policy, ifMatch int, by string, now time.Time) (store.PolicyRecord, error) {
	if !store.ValidName(service) {
		// The CHECK on services.name says the same; refusing first keeps
		// the error identical to the memory store's.
		return store.PolicyRecord{}, store.Invalid("service", "must be "+store.NameRule)
	}
	doc, err := json.Marshal(p)
	if err != nil {
		return store.PolicyRecord{}, fmt.Errorf("encode policy: %w", err)
	}
	var rec store.PolicyRecord
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO services (name, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING`, service, now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM services WHERE name = $1 FOR UPDATE`, service); err != nil {
			return err
		}
		var cur int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(version), 0) FROM policies WHERE service = $1`, service).Scan(&cur); err != nil {
			return err
		}
		if ifMatch > 0 && ifMatch != cur {
			return fmt.Errorf("policy of %q is at version %d, not %d: %w", service, cur, ifMatch, store.ErrPrecondition)
		}
		rec = store.PolicyRecord{Service: service, Version: cur + 1, Policy: p, CreatedAt: now.UTC().Truncate(time.Microsecond), CreatedBy: by}
		_, err := tx.Exec(ctx, `INSERT INTO policies (service, version, document, created_at, created_by) VALUES ($1, $2, $3, $4, $5)`,
			service, rec.Version, doc, rec.CreatedAt, by)
		if err != nil {
			return err
		}
		return appendAudit(ctx, tx, store.PolicyAudit(rec))
	})
	if err != nil {
		return store.PolicyRecord{}, translate(err, "put policy")
	}
	return rec, nil
}

// GetPolicy returns the newest policy version of a service.
func (s *Store) GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error) {
	return getPolicy(ctx, s.pool, service, s.policies)
}

// getPolicy returns the newest policy of service through q, decoded once
// per version in cache (nil: decoded every time).
func getPolicy(ctx context.Context, q querier, service string, cache *policyCache) (store.PolicyRecord, error) {
	h := cache.hint(service)
	return scanPolicyCached(q.QueryRow(ctx, `SELECT `+policyColsHinted+` FROM policies
		WHERE service = $1 ORDER BY version DESC LIMIT 1`, service, h.service, h.version), service, cache, h)
}

// policyColsHinted are a policies row's columns for scanPolicyCached, the
// document NULL when it is the version the hint ($2 service, $3 version)
// holds: the document is neither rendered by PostgreSQL nor sent (3.8 KB
// of text for a policy of 10 metrics) when the cache has it decoded.
const policyColsHinted = `service, version, CASE WHEN service = $2 AND version = $3 THEN NULL ELSE document END, created_at, created_by`

// scanPolicyCached reads a policies row (service, version, document,
// created_at, created_by), decoding each (service, version) once per
// cache: a version never changes once written, and decoding the document
// was a tenth of a decision's CPU. A row without its document is the
// hint's version (policyColsHinted). Callers get a copy.
func scanPolicyCached(row pgx.Row, service string, cache *policyCache, h policyHint) (store.PolicyRecord, error) {
	var (
		rec store.PolicyRecord
		doc []byte
	)
	err := row.Scan(&rec.Service, &rec.Version, &doc, &rec.CreatedAt, &rec.CreatedBy)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.PolicyRecord{}, fmt.Errorf("service %q has no policy: %w", service, store.ErrNotFound)
	}
	if err != nil {
		return store.PolicyRecord{}, translate(err, "get policy")
	}
	rec.CreatedAt = rec.CreatedAt.UTC()
	if doc == nil {
		if h.service != rec.Service || h.version != rec.Version {
			return store.PolicyRecord{}, fmt.Errorf("stored policy %s v%d came without its document", rec.Service, rec.Version)
		}
		rec.Policy = h.policy
		return rec, nil
	}
	cache.countDocument()
	key := policyKey(rec.Service, rec.Version)
	if p, ok := cache.get(key); ok {
		rec.Policy = p
		return rec, nil
	}
	if err := json.Unmarshal(doc, &rec.Policy); err != nil {
		return store.PolicyRecord{}, fmt.Errorf("decode stored policy %s v%d: %w", service, rec.Version, err)
	}
	cache.put(rec.Service, rec.Version, rec.Policy)
	return rec, nil
}
