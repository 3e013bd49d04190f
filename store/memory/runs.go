package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// The run methods keep PostgreSQL's promises: claims are taken under mu,
// which is what FOR UPDATE SKIP LOCKED gives there (no run is held by two
// workers unless a lease expired), and only the current claim completes.

func normRun(r store.Run) store.Run {
	r.Start, r.NextDue, r.CreatedAt, r.UpdatedAt = ts(r.Start), ts(r.NextDue), ts(r.CreatedAt), ts(r.UpdatedAt)
	r.LeaseUntil = tsPtr(r.LeaseUntil)
	return r
}

func copyRun(r store.Run) store.Run {
	r.Scope = store.Scopes{Canary: cloneMap(r.Scope.Canary), Baseline: cloneMap(r.Scope.Baseline)}
	if r.Decision != nil {
		d := copyJSON(*r.Decision)
		r.Decision = &d
	}
	if r.LatestAnalysisID != nil {
		id := *r.LatestAnalysisID
		r.LatestAnalysisID = &id
	}
	r.LeaseUntil = tsPtr(r.LeaseUntil)
	return r
}

func cloneMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// CreateRun inserts a run; see store.Runs.
func (s *Store) CreateRun(ctx context.Context, r store.Run, audit store.AuditEntry) (store.Run, error) {
	if err := ctx.Err(); err != nil {
		return store.Run{}, err
	}
	if !store.CleanText(r.ID, r.Source, r.CreatedBy) {
		return store.Run{}, store.ErrText()
	}
	if _, err := viaJSON(r.Scope, "run scope"); err != nil {
		return store.Run{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	rel, ok := s.releases[r.ReleaseID]
	if !ok {
		return store.Run{}, fmt.Errorf("create run: release %q: %w", r.ReleaseID, store.ErrNotFound)
	}
	if _, ok := s.sources[r.Source]; r.StoredSource && !ok {
		return store.Run{}, fmt.Errorf("create run: source %q: %w", r.Source, store.ErrNotFound)
	}
	for _, o := range s.runs {
		if o.ReleaseID == r.ReleaseID && o.State == store.RunRunning {
			return store.Run{}, &store.ActiveRunError{Active: copyRun(o)}
		}
	}
	if _, dup := s.runs[r.ID]; dup {
		return store.Run{}, fmt.Errorf("create run: run %q already exists: %w", r.ID, store.ErrConflict)
	}
	r = normRun(r)
	r.Service, r.State, r.Done, r.Claim, r.LeaseOwner, r.LeaseUntil = rel.Service, store.RunRunning, 0, 0, "", nil
	e, err := runAudit(audit, r, r.CreatedAt)
	if err != nil {
		return store.Run{}, err
	}
	s.runs[r.ID] = copyRun(r)
	s.appendAudit(e)
	return copyRun(r), nil
}

// GetRun returns one run.
func (s *Store) GetRun(ctx context.Context, id string) (store.Run, error) {
	if err := textArgs(id); err != nil {
		return store.Run{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.Run{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.runLocked(id)
	if err != nil {
		return store.Run{}, err
	}
	return copyRun(r), nil
}

// ListRuns returns the runs q selects, newest first.
func (s *Store) ListRuns(ctx context.Context, q store.RunQuery) ([]store.Run, error) {
	if err := textArgs(q.ReleaseID); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return newestPage(s.runs, func(r store.Run) bool { return runMatches(r, q) },
		func(r store.Run) (time.Time, string) { return r.CreatedAt, r.ID }, q.Limit, copyRun), nil
}

// runLocked returns run id; the caller holds s.mu.
func (s *Store) runLocked(id string) (store.Run, error) {
	r, ok := s.runs[id]
	if !ok {
		return store.Run{}, fmt.Errorf("run %q: %w", id, store.ErrNotFound)
	}
	return r, nil
}

// runAudit is audit about run r: its release and service, dated at when
// the caller gave no time.
func runAudit(audit store.AuditEntry, r store.Run, at time.Time) (store.AuditEntry, error) {
	audit.ReleaseID, audit.Service = r.ReleaseID, r.Service
	if audit.At.IsZero() {
		audit.At = at
	}
	return normAudit(audit)
}

func runMatches(r store.Run, q store.RunQuery) bool {
	switch {
	case q.State != "" && r.State != q.State,
		q.ReleaseID != "" && r.ReleaseID != q.ReleaseID,
		q.Services != nil && !slices.Contains(q.Services, r.Service):
		return false
	case q.AfterAt != nil:
		at := ts(*q.AfterAt)
		return r.CreatedAt.Before(at) || (r.CreatedAt.Equal(at) && r.ID < q.AfterID)
	}
	return true
}

// RunWindows returns a run's window records, oldest first.
func (s *Store) RunWindows(ctx context.Context, runID string) ([]store.RunWindow, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.RunWindow, 0, len(s.runWins[runID]))
	for _, w := range s.runWins[runID] {
		out = append(out, copyJSON(w))
	}
	return out, nil
}

// CancelRun ends a running run as CANCELED.
func (s *Store) CancelRun(ctx context.Context, id, reason string, now time.Time, audit store.AuditEntry) (store.Run, error) {
	if err := ctx.Err(); err != nil {
		return store.Run{}, err
	}
	if !store.CleanText(reason) {
		return store.Run{}, store.ErrText()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.runLocked(id)
	if err != nil {
		return store.Run{}, err
	}
	if r.State != store.RunRunning {
		return copyRun(r), fmt.Errorf("run %s is %s, not RUNNING: %w", id, r.State, store.ErrConflict)
	}
	r.State, r.Reason, r.UpdatedAt, r.LeaseOwner, r.LeaseUntil = store.RunCanceled, reason, ts(now), "", nil
	e, err := runAudit(audit, r, r.UpdatedAt)
	if err != nil {
		return store.Run{}, err
	}
	s.runs[id] = r
	s.appendAudit(e)
	return copyRun(r), nil
}
