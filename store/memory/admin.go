package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// PutFreeze sets (or replaces) the freeze of f.Scope and appends audit (its
// At defaults to f.CreatedAt).
func (s *Store) PutFreeze(ctx context.Context, f judge.Freeze, audit store.AuditEntry) (judge.Freeze, error) {
	f.CreatedAt, f.ExpiresAt = ts(f.CreatedAt), tsPtr(f.ExpiresAt)
	if audit.At.IsZero() {
		audit.At = f.CreatedAt
	}
	e, err := normAudit(audit)
	if err != nil {
		return judge.Freeze{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.freezes[f.Scope] = f
	s.appendAudit(e)
	return copyFreeze(f), nil
}

// DeleteFreeze lifts the freeze of scope (expired or not) and appends audit.
func (s *Store) DeleteFreeze(ctx context.Context, scope string, audit store.AuditEntry) error {
	e, err := normAudit(audit)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.freezes[scope]; !ok {
		return fmt.Errorf("no freeze on %q: %w", scope, store.ErrNotFound)
	}
	delete(s.freezes, scope)
	s.appendAudit(e)
	return nil
}

// ListFreezes returns the freezes in force at now, global first, then by scope.
func (s *Store) ListFreezes(ctx context.Context, now time.Time) ([]judge.Freeze, error) {
	now = ts(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []judge.Freeze{}
	for _, f := range s.freezes {
		if inForce(f, now) {
			out = append(out, copyFreeze(f))
		}
	}
	slices.SortFunc(out, func(a, b judge.Freeze) int {
		if ga, gb := a.Scope == "global", b.Scope == "global"; ga != gb {
			if ga {
				return -1
			}
			return 1
		}
		return cmp.Compare(a.Scope, b.Scope)
	})
	return out, nil
}

// inForce: expires_at IS NULL OR expires_at > now, as in SQL.
func inForce(f judge.Freeze, now time.Time) bool {
	return f.ExpiresAt == nil || f.ExpiresAt.After(now)
}

// freezeFor returns the freeze in force covering service, preferring the
// global one; nil when none. Callers hold mu.
func (s *Store) freezeFor(service string, now time.Time) *judge.Freeze {
	for _, scope := range []string{"global", "service:" + service} {
		if f, ok := s.freezes[scope]; ok && inForce(f, now) {
			c := copyFreeze(f)
			return &c
		}
	}
	return nil
}

// CreateToken stores t under hash. A taken id or hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token, hash []byte) error {
	if len(hash) == 0 {
		return errors.New("create token: empty hash")
	}
	t.Scopes, t.CreatedAt = slices.Clone(nonNil(t.Scopes)), ts(t.CreatedAt)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tokens[string(hash)]; dup {
		return fmt.Errorf("create token %s: hash already stored: %w", t.ID, store.ErrConflict)
	}
	for _, r := range s.tokens {
		if r.ID == t.ID {
			return fmt.Errorf("create token %s: id already stored: %w", t.ID, store.ErrConflict)
		}
	}
	s.tokens[string(hash)] = t
	return nil
}

// TokenByHash returns the token stored under hash; ErrNotFound otherwise.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[string(hash)]
	if !ok {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	t.Scopes = slices.Clone(t.Scopes)
	return t, nil
}
