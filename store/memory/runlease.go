package memory

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// ClaimRuns leases due runs nobody holds, most overdue first.
func (s *Store) ClaimRuns(ctx context.Context, now time.Time, limit int, lease time.Duration, owner string) ([]store.ClaimedRun, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		return []store.ClaimedRun{}, nil
	}
	if !store.CleanText(owner) {
		return nil, store.ErrText()
	}
	now = ts(now)
	s.mu.Lock()
	defer s.mu.Unlock()
	due := []store.Run{}
	for _, r := range s.runs {
		if r.State == store.RunRunning && !r.NextDue.After(now) && (r.LeaseUntil == nil || r.LeaseUntil.Before(now)) {
			due = append(due, r)
		}
	}
	slices.SortFunc(due, func(a, b store.Run) int {
		if c := a.NextDue.Compare(b.NextDue); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	out := []store.ClaimedRun{}
	for _, r := range due[:min(limit, len(due))] {
		takeover := r.LeaseUntil != nil
		until := ts(now.Add(lease))
		r.Claim++
		r.LeaseOwner, r.LeaseUntil = owner, &until
		s.runs[r.ID] = r
		out = append(out, store.ClaimedRun{Run: copyRun(r), Takeover: takeover})
	}
	return out, nil
}

// held returns the run if claim is its current claim and it is running.
// Callers hold mu.
func (s *Store) held(runID string, claim int64) (store.Run, error) {
	r, err := s.runLocked(runID)
	if err != nil {
		return store.Run{}, err
	}
	if r.Claim != claim || r.State != store.RunRunning || r.LeaseUntil == nil {
		return store.Run{}, fmt.Errorf("run %s: claim %d is not current (claim %d, %s): %w", runID, claim, r.Claim, r.State, store.ErrLeaseLost)
	}
	return r, nil
}

// CompleteWindow records a window and moves its run on.
func (s *Store) CompleteWindow(ctx context.Context, runID string, claim int64, w store.RunWindow, u store.RunUpdate) (store.Run, error) {
	if err := ctx.Err(); err != nil {
		return store.Run{}, err
	}
	if !store.CleanText(w.SourceError, w.Worker, u.Reason) || !cleanQueries(w.Queries) {
		return store.Run{}, store.ErrText()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held(runID, claim)
	if err != nil {
		return store.Run{}, err
	}
	if w.Seq != r.Done+1 {
		return store.Run{}, fmt.Errorf("run %s: window %d is not the next one (%d): %w", runID, w.Seq, r.Done+1, store.ErrLeaseLost)
	}
	if w.AnalysisID != nil {
		if _, ok := s.owner[*w.AnalysisID]; !ok {
			return store.Run{}, fmt.Errorf("run window: analysis %d: %w", *w.AnalysisID, store.ErrNotFound)
		}
	}
	w = normWindow(w, runID, claim)
	r = normRun(r.After(u))
	s.runWins[runID] = append(s.runWins[runID], w)
	s.runs[runID] = r
	return copyRun(r), nil
}

func normWindow(w store.RunWindow, runID string, claim int64) store.RunWindow {
	w.RunID, w.Claim = runID, claim
	w.Start, w.End, w.StartedAt, w.At = ts(w.Start), ts(w.End), ts(w.StartedAt), ts(w.At)
	w.Lag = w.Lag.Truncate(time.Microsecond)
	w.LagSeconds = w.Lag.Seconds()
	if w.Queries == nil {
		w.Queries = []store.AskedQuery{}
	}
	return copyJSON(w)
}

func cleanQueries(qs []store.AskedQuery) bool {
	for _, q := range qs {
		if !store.CleanText(q.Metric, q.Side, q.Part, q.Query, q.Problem) {
			return false
		}
	}
	return true
}

// ReleaseRun gives a claimed run back, due again at retryAt.
func (s *Store) ReleaseRun(ctx context.Context, runID string, claim int64, retryAt time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.held(runID, claim)
	if err != nil {
		return err
	}
	r.NextDue, r.LeaseOwner, r.LeaseUntil = ts(retryAt), "", nil
	s.runs[runID] = r
	return nil
}

// PutSource creates or replaces a source.
func (s *Store) PutSource(ctx context.Context, src store.SourceRecord, audit store.AuditEntry) (store.SourceRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.SourceRecord{}, err
	}
	if !store.CleanText(src.Name, src.Type, src.UpdatedBy) {
		return store.SourceRecord{}, store.ErrText()
	}
	cfg, err := raw(src.Config, "source config")
	if err != nil {
		return store.SourceRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src.Config, src.UpdatedAt = cfg, ts(src.UpdatedAt)
	src.Version = s.sources[src.Name].Version + 1
	if audit.At.IsZero() {
		audit.At = src.UpdatedAt
	}
	e, err := normAudit(audit)
	if err != nil {
		return store.SourceRecord{}, err
	}
	s.sources[src.Name] = src
	s.appendAudit(e)
	src.Config = copyRaw(src.Config)
	return src, nil
}

// GetSource returns one source.
func (s *Store) GetSource(ctx context.Context, name string) (store.SourceRecord, error) {
	if err := textArgs(name); err != nil {
		return store.SourceRecord{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.SourceRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	src, ok := s.sources[name]
	if !ok {
		return store.SourceRecord{}, fmt.Errorf("source %q: %w", name, store.ErrNotFound)
	}
	src.Config = copyRaw(src.Config)
	return src, nil
}

// ListSources returns every source by name.
func (s *Store) ListSources(ctx context.Context) ([]store.SourceRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]store.SourceRecord, 0, len(s.sources))
	for _, src := range s.sources {
		src.Config = copyRaw(src.Config)
		out = append(out, src)
	}
	slices.SortFunc(out, func(a, b store.SourceRecord) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// DeleteSource removes a source unless a running run uses it.
func (s *Store) DeleteSource(ctx context.Context, name string, audit store.AuditEntry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !store.CleanText(name) {
		return store.ErrText()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sources[name]; !ok {
		return fmt.Errorf("source %q: %w", name, store.ErrNotFound)
	}
	var ids []string
	for id, r := range s.runs {
		if r.Source == name && r.State == store.RunRunning {
			ids = append(ids, id)
		}
	}
	if len(ids) > 0 {
		slices.Sort(ids)
		return &store.SourceInUseError{Source: name, Runs: ids[:min(len(ids), store.MaxInUseRuns)]}
	}
	e, err := normAudit(audit)
	if err != nil {
		return err
	}
	delete(s.sources, name)
	s.appendAudit(e)
	return nil
}
