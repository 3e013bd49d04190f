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
	if err := ctx.Err(); err != nil {
		return judge.Freeze{}, err
	}
	if !store.CleanText(f.Scope, f.Reason, f.CreatedBy) {
		return judge.Freeze{}, store.ErrText()
	}
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
	if err := ctx.Err(); err != nil {
		return err
	}
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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
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

// CreateToken stores t under hash and appends audit. A taken id, name or
// hash is ErrConflict.
func (s *Store) CreateToken(ctx context.Context, t store.Token, hash []byte, audit store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(hash) == 0 {
		return errors.New("create token: empty hash")
	}
	if audit.At.IsZero() {
		audit.At = t.CreatedAt
	}
	e, err := normAudit(audit)
	if err != nil {
		return err
	}
	if !store.CleanText(append(append([]string{t.ID, t.Name}, t.Scopes...), t.Services...)...) {
		return store.ErrText()
	}
	t.Scopes, t.Services, t.CreatedAt = slices.Clone(nonNil(t.Scopes)), slices.Clone(nonNil(t.Services)), ts(t.CreatedAt)
	t.LastUsedAt = nil
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, dup := s.tokens[string(hash)]; dup {
		return fmt.Errorf("create token %s: hash already stored: %w", t.ID, store.ErrConflict)
	}
	for _, r := range s.tokens {
		switch {
		case r.ID == t.ID:
			return fmt.Errorf("create token %s: id already stored: %w", t.ID, store.ErrConflict)
		case r.Name == t.Name:
			return fmt.Errorf("a token named %q exists already: %w", t.Name, store.ErrConflict)
		}
	}
	s.tokens[string(hash)] = t
	s.appendAudit(e)
	return nil
}

func copyToken(t store.Token) store.Token {
	t.Scopes, t.Services, t.LastUsedAt = slices.Clone(t.Scopes), slices.Clone(t.Services), tsPtr(t.LastUsedAt)
	return t
}

// TokenByHash returns the token stored under hash; ErrNotFound otherwise.
func (s *Store) TokenByHash(ctx context.Context, hash []byte) (store.Token, error) {
	if err := ctx.Err(); err != nil {
		return store.Token{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[string(hash)]
	if !ok {
		return store.Token{}, fmt.Errorf("token: %w", store.ErrNotFound)
	}
	return copyToken(t), nil
}

// TouchToken sets LastUsedAt (never backwards).
func (s *Store) TouchToken(ctx context.Context, id string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	at = ts(at)
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.tokens {
		if t.ID == id && (t.LastUsedAt == nil || t.LastUsedAt.Before(at)) {
			t.LastUsedAt = &at
			s.tokens[h] = t
		}
	}
	return nil
}

// ListTokens returns every token by name.
func (s *Store) ListTokens(ctx context.Context) ([]store.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.Token, 0, len(s.tokens))
	for _, t := range s.tokens {
		out = append(out, copyToken(t))
	}
	slices.SortFunc(out, func(a, b store.Token) int { return cmp.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteToken revokes the token called name and appends audit.
func (s *Store) DeleteToken(ctx context.Context, name string, audit store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	e, err := normAudit(audit)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for h, t := range s.tokens {
		if t.Name == name {
			delete(s.tokens, h)
			s.appendAudit(e)
			return nil
		}
	}
	return fmt.Errorf("no token named %q: %w", name, store.ErrNotFound)
}
