package memory

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// AuditLog reads the audit log by keyset on id; see store.AuditQuery.
func (s *Store) AuditLog(ctx context.Context, q store.AuditQuery) ([]store.AuditEntry, error) {
	if err := textArgs(q.ReleaseID, q.Service); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	keep := func(e store.AuditEntry) bool {
		switch {
		case q.ReleaseID != "" && e.ReleaseID != q.ReleaseID, q.Service != "" && e.Service != q.Service,
			len(q.Services) > 0 && !slices.Contains(q.Services, e.Service):
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
	if err := textArgs(q.Service, q.Target); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return newestPage(s.releases, func(r store.Release) bool { return matches(r, q) },
		func(r store.Release) (time.Time, string) { return r.CreatedAt, r.ID }, q.Limit, copyRelease), nil
}

// newestPage is one page of rows: those keep selects, newest first by key
// (newestFirst), at most limit (0: all), each deep-copied by cp (only the
// rows returned are copied).
func newestPage[T any](rows map[string]T, keep func(T) bool, key func(T) (time.Time, string), limit int, cp func(T) T) []T {
	out := []T{}
	for _, r := range rows {
		if keep(r) {
			out = append(out, r)
		}
	}
	newestFirst(out, key)
	out = limited(out, limit)
	for i := range out {
		out[i] = cp(out[i])
	}
	return out
}

// newestFirst orders rows as PostgreSQL's keyset lists do: created_at,
// then id, descending; ids compare byte by byte (COLLATE "C").
func newestFirst[T any](rows []T, key func(T) (time.Time, string)) {
	slices.SortFunc(rows, func(a, b T) int {
		at, aid := key(a)
		bt, bid := key(b)
		if c := bt.Compare(at); c != 0 {
			return c
		}
		return strings.Compare(bid, aid)
	})
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
