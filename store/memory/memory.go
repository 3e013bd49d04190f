// Package memory is the embedded default store: everything lives in this
// process and is lost on exit. It mirrors the PostgreSQL store's semantics
// (proven by the shared conformance suite) so that the service does its
// whole job without a database.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Store is an in-memory store.Store. One mutex serialises every write, which
// gives the same atomicity the PostgreSQL store gets from row locks.
type Store struct {
	mu       sync.Mutex
	policies map[string][]store.PolicyRecord // service -> versions, oldest first
}

// New returns an empty store.
func New() *Store {
	return &Store{policies: map[string][]store.PolicyRecord{}}
}

// Health always reports a current schema: there is none to migrate.
func (s *Store) Health(ctx context.Context) (store.Health, error) {
	return store.Health{Backend: "memory", SchemaCurrent: true, Detail: "in-memory store: data is lost on exit"}, nil
}

// PutPolicy appends a policy version.
func (s *Store) PutPolicy(ctx context.Context, service string, p judge.Policy, ifMatch int, by string, now time.Time) (store.PolicyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := s.policies[service]
	cur := len(versions)
	if ifMatch > 0 && ifMatch != cur {
		return store.PolicyRecord{}, fmt.Errorf("policy of %q is at version %d, not %d: %w", service, cur, ifMatch, store.ErrPrecondition)
	}
	rec := store.PolicyRecord{Service: service, Version: cur + 1, Policy: p, CreatedAt: now.UTC(), CreatedBy: by}
	s.policies[service] = append(versions, rec)
	return rec, nil
}

// GetPolicy returns the newest policy version.
func (s *Store) GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := s.policies[service]
	if len(versions) == 0 {
		return store.PolicyRecord{}, fmt.Errorf("service %q: %w", service, store.ErrNotFound)
	}
	return versions[len(versions)-1], nil
}

// Close does nothing.
func (s *Store) Close() {}
