package memory

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// CreateRelease inserts r; see store.Releases.
func (s *Store) CreateRelease(ctx context.Context, r store.Release, idem *store.Idem, body []byte, audit store.AuditEntry) (store.Release, *store.StoredResponse, error) {
	if err := ctx.Err(); err != nil {
		return store.Release{}, nil, err
	}
	r, err := normRelease(r)
	if err != nil {
		return store.Release{}, nil, err
	}
	if idem != nil && !store.CleanText(idem.Scope, idem.Key, idem.Hash) {
		return store.Release{}, nil, store.ErrText()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if idem != nil {
		if prev, ok := s.idem[idemKey{idem.Scope, idem.Key}]; ok {
			prev.Body = bytes.Clone(prev.Body)
			return store.Release{}, &prev, nil
		}
	}
	pol, err := s.policyOf(r.Service)
	if err != nil {
		return store.Release{}, nil, err
	}
	if r.PolicyVersion == 0 {
		r.PolicyVersion = pol.Version
	}
	if r.State.Active() {
		if a, ok := s.activeRelease(r.Service, r.Target, ""); ok {
			return store.Release{}, nil, &store.ActiveReleaseError{Active: copyRelease(a)}
		}
	}
	if _, dup := s.releases[r.ID]; dup {
		return store.Release{}, nil, fmt.Errorf("create release: release %q already exists: %w", r.ID, store.ErrConflict)
	}
	e, err := normAudit(store.CreateAudit(audit, r))
	if err != nil {
		return store.Release{}, nil, err
	}
	s.releases[r.ID] = r
	if idem != nil {
		s.idem[idemKey{idem.Scope, idem.Key}] = store.StoredResponse{RequestHash: idem.Hash, Status: 201, Body: bytes.Clone(body)}
		s.idemAt[idemKey{idem.Scope, idem.Key}] = time.Now()
	}
	s.appendAudit(e)
	return copyRelease(r), nil, nil
}

// activeRelease finds the active release of service and target other than
// except. Callers hold mu.
func (s *Store) activeRelease(service, target, except string) (store.Release, bool) {
	for _, r := range s.releases {
		if r.Service == service && r.Target == target && r.State.Active() && r.ID != except {
			return r, true
		}
	}
	return store.Release{}, false
}

// GetRelease returns one release.
func (s *Store) GetRelease(ctx context.Context, id string) (store.Release, error) {
	if err := textArgs(id); err != nil {
		return store.Release{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Release{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.releases[id]
	if !ok {
		return store.Release{}, fmt.Errorf("release %q: %w", id, store.ErrNotFound)
	}
	return copyRelease(r), nil
}

// normAudit gives e its stored form (no id yet).
func normAudit(e store.AuditEntry) (store.AuditEntry, error) {
	var err error
	if !store.CleanText(e.Actor, e.Action, e.Service, e.ReleaseID) {
		return e, store.ErrText()
	}
	e.At = ts(e.At)
	if e.Input, err = raw(e.Input, "audit input"); err != nil {
		return e, err
	}
	e.Output, err = raw(e.Output, "audit output")
	return e, err
}

// appendAudit assigns an id and appends, keeping id order (a unit of work
// may commit an id allocated before a concurrent write's). Entries without
// an action are not recorded. Callers hold mu.
func (s *Store) appendAudit(e store.AuditEntry) {
	if e.Action == "" {
		return
	}
	if e.ID == 0 {
		e.ID = next(&s.seq.audit)
	}
	s.audit = insertByID(s.audit, e, func(e store.AuditEntry) int64 { return e.ID })
}
