package memory

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// InRelease runs fn as one unit of work on the release: units run one at a
// time, fn's writes are staged and applied together only when fn returns
// nil. fn's error is returned as is and nothing it wrote is kept.
func (s *Store) InRelease(ctx context.Context, id string, fn func(tx store.ReleaseTx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.work.Lock()
	defer s.work.Unlock()
	s.mu.Lock()
	r, ok := s.releases[id]
	s.mu.Unlock()
	if !ok {
		return fmt.Errorf("release %q: %w", id, store.ErrNotFound)
	}
	return s.run(ctx, r, fn)
}

// SweepStuck runs fn, one unit of work each, on up to limit releases in
// rolling_back whose deadline passed before now, oldest deadline first. A
// release is taken at most once per call; fn's error stops the sweep.
func (s *Store) SweepStuck(ctx context.Context, now time.Time, limit int, fn func(tx store.ReleaseTx) error) (int, error) {
	return s.sweep(ctx, now, limit, judge.StateRollingBack, func(r store.Release) *time.Time { return r.RollbackDeadline }, fn)
}

// SweepStale is SweepStuck for baking releases past their analysis deadline.
func (s *Store) SweepStale(ctx context.Context, now time.Time, limit int, fn func(tx store.ReleaseTx) error) (int, error) {
	return s.sweep(ctx, now, limit, judge.StateBaking, func(r store.Release) *time.Time { return r.AnalysisDeadline }, fn)
}

// sweep runs fn on each release in state whose deadline passed before now.
func (s *Store) sweep(ctx context.Context, now time.Time, limit int, state judge.State, deadline func(store.Release) *time.Time, fn func(tx store.ReleaseTx) error) (int, error) {
	now = ts(now)
	seen := map[string]bool{}
	handled := 0
	for handled < limit {
		if err := ctx.Err(); err != nil {
			return handled, err
		}
		found, err := s.sweepOne(ctx, now, seen, state, deadline, fn)
		if err != nil {
			return handled, err
		}
		if !found {
			break
		}
		handled++
	}
	return handled, nil
}

func (s *Store) sweepOne(ctx context.Context, now time.Time, seen map[string]bool, state judge.State, deadline func(store.Release) *time.Time, fn func(tx store.ReleaseTx) error) (bool, error) {
	s.work.Lock()
	defer s.work.Unlock()
	s.mu.Lock()
	var due []store.Release
	for _, r := range s.releases {
		if d := deadline(r); r.State == state && d != nil && d.Before(now) && !seen[r.ID] {
			due = append(due, r)
		}
	}
	s.mu.Unlock()
	if len(due) == 0 {
		return false, nil
	}
	r := slices.MinFunc(due, func(a, b store.Release) int {
		if c := deadline(a).Compare(*deadline(b)); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	seen[r.ID] = true
	return true, s.run(ctx, r, fn)
}

// run is one unit of work on r. Callers hold work.
func (s *Store) run(ctx context.Context, r store.Release, fn func(tx store.ReleaseTx) error) error {
	u := &unit{s: s, rel: copyRelease(r), idem: map[idemKey]store.StoredResponse{}}
	defer func() { u.done = true }()
	if err := fn(u); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err // a commit on a cancelled context fails in PostgreSQL too
	}
	return u.commit()
}

// check refuses work on an ended unit or a cancelled context; a cancelled
// context aborts the unit, as it aborts a PostgreSQL transaction.
func (u *unit) check(ctx context.Context) error {
	if u.done {
		return errDone
	}
	if err := ctx.Err(); err != nil {
		return u.fail(err)
	}
	return nil
}

// errAborted mirrors PostgreSQL refusing to commit a transaction in which a
// statement failed, even when fn ignored that failure.
var errAborted = errors.New("unit of work not committed: a write in it failed earlier")

// commit applies the staged writes. A conflict that arose since they were
// staged (a concurrent CreateRelease or idempotent save) applies nothing.
func (u *unit) commit() error {
	s := u.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if u.broken != nil {
		return fmt.Errorf("%w: %v", errAborted, u.broken)
	}
	for k := range u.idem {
		if _, dup := s.idem[k]; dup {
			return fmt.Errorf("save idempotent response: key %q in scope %q is taken: %w", k.key, k.scope, store.ErrConflict)
		}
	}
	if u.relChanged && u.rel.State.Active() {
		if a, ok := s.activeRelease(u.rel.Service, u.rel.Target, u.rel.ID); ok {
			return fmt.Errorf("update release: %s is active on the same service and target: %w", a.ID, store.ErrConflict)
		}
	}
	if u.relChanged {
		s.releases[u.rel.ID] = u.rel
	}
	for _, a := range u.analyses {
		s.analyses[a.ReleaseID] = append(s.analyses[a.ReleaseID], a)
		s.owner[a.ID] = a.ReleaseID
	}
	for _, d := range u.decisions {
		s.decisions[d.ReleaseID] = insertByID(s.decisions[d.ReleaseID], d, func(d store.DecisionRecord) int64 { return d.ID })
		if d.Automatic && d.Decision.Action == judge.ActionRollback {
			s.rollbacks = append(s.rollbacks, rollbackMark{service: d.Service, at: d.CreatedAt})
		}
	}
	for _, e := range u.audit {
		s.appendAudit(e)
	}
	for _, m := range u.outbox {
		s.outbox = insertByID(s.outbox, m, func(r *outboxRow) int64 { return r.msg.ID })
		s.addSink(m.msg.Sink.Key, m.msg.CreatedAt)
	}
	for k, v := range u.idem {
		s.idem[k], s.idemAt[k] = v, time.Now()
	}
	switch {
	case u.evidence != nil:
		s.evidence[u.rel.ID] = *u.evidence
	case u.noEvidence:
		delete(s.evidence, u.rel.ID)
	}
	return nil
}

// insertByID inserts v keeping s sorted by id (usually an append).
func insertByID[T any](s []T, v T, id func(T) int64) []T {
	i := sort.Search(len(s), func(i int) bool { return id(s[i]) > id(v) })
	return slices.Insert(s, i, v)
}
