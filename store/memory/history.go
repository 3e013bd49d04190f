package memory

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/canaryjudge/canaryjudge/store"
)

// LatestDecision returns the newest decision on a release.
func (s *Store) LatestDecision(ctx context.Context, releaseID string) (store.DecisionRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.DecisionRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ds := s.decisions[releaseID]
	if len(ds) == 0 {
		return store.DecisionRecord{}, fmt.Errorf("no decision on release %q: %w", releaseID, store.ErrNotFound)
	}
	return copyDecision(ds[len(ds)-1]), nil
}

// Analyses returns a release's analyses, newest first.
func (s *Store) Analyses(ctx context.Context, releaseID string, limit int) ([]store.Analysis, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	as := s.analyses[releaseID]
	out := []store.Analysis{}
	for i := len(as) - 1; i >= 0 && (limit <= 0 || len(out) < limit); i-- {
		out = append(out, copyAnalysis(as[i]))
	}
	return out, nil
}

// GetIdempotent looks up a stored response.
func (s *Store) GetIdempotent(ctx context.Context, idem store.Idem) (*store.StoredResponse, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	prev, ok := s.idem[idemKey{idem.Scope, idem.Key}]
	if !ok {
		return nil, nil
	}
	prev.Body = bytes.Clone(prev.Body)
	return &prev, nil
}

// Verdicts is the verdict_history view, newest first, by keyset on
// (at, analysis_id): Since inclusive, Until exclusive, After exclusive.
func (s *Store) Verdicts(ctx context.Context, q store.VerdictQuery) ([]store.Verdict, error) {
	if err := textArgs(q.Service); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []store.Verdict{}
	for id, r := range s.releases {
		if q.Service != "" && r.Service != q.Service {
			continue
		}
		for _, a := range s.analyses[id] {
			v := store.Verdict{AnalysisID: a.ID, ReleaseID: id, Service: r.Service, Target: r.Target, Version: r.Version,
				Seq: a.Seq, Verdict: a.Window.Verdict, At: a.CreatedAt}
			if !keep(v, q) {
				continue
			}
			if a.Result != nil {
				score := a.Result.Score
				v.Score = &score
			}
			ds := s.decisions[id]
			for i := len(ds) - 1; i >= 0; i-- {
				if d := ds[i]; d.AnalysisID != nil && *d.AnalysisID == a.ID {
					v.Action, v.Reason, v.State = d.Decision.Action, d.Decision.Reason, d.Decision.State
					break
				}
			}
			out = append(out, v)
		}
	}
	slices.SortFunc(out, func(a, b store.Verdict) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return cmp.Compare(b.AnalysisID, a.AnalysisID)
	})
	return limited(out, q.Limit), nil
}

func keep(v store.Verdict, q store.VerdictQuery) bool {
	switch {
	case q.Since != nil && v.At.Before(ts(*q.Since)):
		return false
	case q.Until != nil && !v.At.Before(ts(*q.Until)):
		return false
	case q.AfterAt != nil:
		after := ts(*q.AfterAt)
		return v.At.Before(after) || (v.At.Equal(after) && v.AnalysisID < q.AfterID)
	}
	return true
}
