package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/canaryjudge/canaryjudge/store"
)

// SaveKayentaExecution keeps e (a deep copy) and appends audit.
func (s *Store) SaveKayentaExecution(ctx context.Context, e store.KayentaExecution, audit store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if e.PolicyVersion <= 0 || len(e.Request) == 0 {
		return store.Invalid("kayenta_execution", "needs a policy version and the request")
	}
	texts := []string{e.ID, e.Service, e.Status, e.Error}
	for k, v := range e.Params {
		texts = append(texts, k, v)
	}
	if !store.CleanText(texts...) {
		return store.ErrText()
	}
	if e.Status != store.KayentaSucceeded && e.Status != store.KayentaTerminal {
		return store.Invalid("status", "refused by the database (kayenta_executions_status_check)")
	}
	e.CreatedAt, e.EndedAt = ts(e.CreatedAt), ts(e.EndedAt)
	norm, err := viaJSON(e, "kayenta execution")
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, err := s.policyOf(e.Service); err != nil {
		return err
	}
	if _, taken := s.kayenta[e.ID]; taken {
		return fmt.Errorf("kayenta execution %q exists: %w", e.ID, store.ErrConflict)
	}
	if audit.Service == "" {
		audit.Service = e.Service
	}
	if audit.At.IsZero() {
		audit.At = e.CreatedAt
	}
	audit, err = normAudit(audit)
	if err != nil {
		return err
	}
	s.kayenta[e.ID] = norm
	s.appendAudit(audit)
	return nil
}

// KayentaExecution returns a copy of one execution.
func (s *Store) KayentaExecution(ctx context.Context, id string) (store.KayentaExecution, error) {
	if err := ctx.Err(); err != nil {
		return store.KayentaExecution{}, err
	}
	s.mu.Lock()
	e, ok := s.kayenta[id]
	s.mu.Unlock()
	if !ok {
		return store.KayentaExecution{}, fmt.Errorf("kayenta execution %q: %w", id, store.ErrNotFound)
	}
	return copyJSON(e), nil
}

// ListPolicies returns every service's newest policy, by service name.
func (s *Store) ListPolicies(ctx context.Context) ([]store.PolicyRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.PolicyRecord{}
	for _, svc := range slices.Sorted(maps.Keys(s.policies)) {
		rec, err := s.policyOf(svc)
		if err != nil {
			return nil, err
		}
		out = append(out, rec)
	}
	return out, nil
}
