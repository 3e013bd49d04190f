package memory

import (
	"cmp"
	"context"
	"slices"

	"github.com/canaryjudge/canaryjudge/store"
)

// AuditLog reads the audit log by keyset on id; see store.AuditQuery.
func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(e store.AuditEntry) bool {
		switch {
		case q.ReleaseID != "" && e.ReleaseID != q.ReleaseID, q.Service != "" && e.Service != q.Service:
			return false
		case q.Desc:
			return q.AfterID <= 0 || e.ID < q.AfterID
		}
		return e.ID > q.AfterID
	}
	out := []store.AuditEntry{}
	n := len(s.audit)
	for i := range n {
		e := s.audit[i]
		if q.Desc {
			e = s.audit[n-1-i]
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		if keep(e) {
			out = append(out, copyAudit(e))
		}
	}
	return out, nil
}

// ListReleases returns releases newest first by keyset (CreatedAt, ID),
// IDs compared byte by byte as PostgreSQL's COLLATE "C" does.
func (s *Store) ListReleases(ctx context.Context, q store.ReleaseQuery) ([]store.Release, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Release{}
	for _, r := range s.releases {
		if matches(r, q) {
			out = append(out, copyRelease(r))
		}
	}
	slices.SortFunc(out, func(a, b store.Release) int {
		if c := b.CreatedAt.Compare(a.CreatedAt); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	return limited(out, q.Limit), nil
}

func matches(r store.Release, q store.ReleaseQuery) bool {
	switch {
	case q.Service != "" && r.Service != q.Service, q.Target != "" && r.Target != q.Target,
		q.State != "" && r.State != q.State, len(q.Services) > 0 && !slices.Contains(q.Services, r.Service):
		return false
	case q.AfterAt != nil:
		after := ts(*q.AfterAt)
		return r.CreatedAt.Before(after) || (r.CreatedAt.Equal(after) && r.ID < q.AfterID)
	}
	return true
}
