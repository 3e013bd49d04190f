package memory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// unit is a store.ReleaseTx: reads see the committed data plus this unit's
// staged writes; writes are staged until commit.
type unit struct {
	s          *Store
	rel        store.Release
	relChanged bool
	analyses   []store.Analysis
	decisions  []store.DecisionRecord
	audit      []store.AuditEntry
	outbox     []*outboxRow
	idem       map[idemKey]store.StoredResponse
	evidence   *store.Evidence // staged
	noEvidence bool            // staged: the release's evidence dropped
	broken     error           // a write failed where PostgreSQL would abort the transaction
	done       bool
}

var _ store.ReleaseTx = (*unit)(nil)

var errDone = errors.New("unit of work already ended")

// fail records a failure that aborts the unit, as in PostgreSQL.
func (u *unit) fail(err error) error {
	if u.broken == nil {
		u.broken = err
	}
	return err
}

func (u *unit) Release() store.Release { return copyRelease(u.rel) }

func (u *unit) Policy(ctx context.Context) (store.PolicyRecord, error) {
	if err := u.check(ctx); err != nil {
		return store.PolicyRecord{}, err
	}
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.s.policyOf(u.rel.Service)
}

func (u *unit) Windows(ctx context.Context, limit int) ([]judge.Window, error) {
	if err := u.check(ctx); err != nil {
		return nil, err
	}
	u.s.mu.Lock()
	all := append(append([]store.Analysis(nil), u.s.analyses[u.rel.ID]...), u.analyses...)
	u.s.mu.Unlock()
	if limit > 0 && len(all) > limit {
		all = all[len(all)-limit:]
	}
	out := make([]judge.Window, len(all))
	for i, a := range all {
		out[i] = copyWindow(a.Window)
	}
	return out, nil
}

func (u *unit) Freeze(ctx context.Context, now time.Time) (*judge.Freeze, error) {
	if err := u.check(ctx); err != nil {
		return nil, err
	}
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	return u.s.freezeFor(u.rel.Service, ts(now)), nil
}

// CountRollbacks counts under work, which this unit holds until it ends:
// that is the cap's lock.
func (u *unit) CountRollbacks(ctx context.Context, since time.Time) (service, fleet int, err error) {
	if err := u.check(ctx); err != nil {
		return 0, 0, err
	}
	since = ts(since)
	count := func(svc string, at time.Time) {
		if !at.Before(since) {
			fleet += countsTowardFleet(svc)
			if svc == u.rel.Service {
				service++
			}
		}
	}
	u.s.mu.Lock()
	for _, m := range u.s.rollbacks {
		count(m.service, m.at)
	}
	u.s.mu.Unlock()
	for _, d := range u.decisions {
		if d.Automatic && d.Decision.Action == judge.ActionRollback {
			count(d.Service, d.CreatedAt)
		}
	}
	return service, fleet, nil
}

// countsTowardFleet is 1 for a rollback of service that counts toward the
// fleet rollback cap: every service's but a game day's drills
// (judge.IsGameDay), as PostgreSQL counts.
func countsTowardFleet(service string) int {
	if judge.IsGameDay(service) {
		return 0
	}
	return 1
}

func (u *unit) Idempotent(ctx context.Context, idem store.Idem) (*store.StoredResponse, error) {
	if err := u.check(ctx); err != nil {
		return nil, err
	}
	if r, ok := u.idem[idemKey{idem.Scope, idem.Key}]; ok {
		r.Body = bytes.Clone(r.Body)
		return &r, nil
	}
	return u.s.GetIdempotent(ctx, idem)
}

func (u *unit) SaveAnalysis(ctx context.Context, a *store.Analysis) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if err := u.own(&a.ReleaseID, "analysis"); err != nil {
		return err
	}
	if !store.CleanText(a.SourceError) {
		return u.fail(store.ErrText())
	}
	res, err := viaJSON(a.Result, "analysis result")
	if err != nil {
		return u.fail(err)
	}
	a.CreatedAt = ts(a.CreatedAt)
	if a.Window.At.IsZero() {
		a.Window.At = a.CreatedAt
	}
	a.Window.At = ts(a.Window.At)
	if a.Window.Start.IsZero() {
		a.Window.Start = a.Window.At
	}
	a.Window.Start = ts(a.Window.Start)
	u.s.mu.Lock()
	a.ID, a.Seq = next(&u.s.seq.analysis), len(u.s.analyses[u.rel.ID])+len(u.analyses)+1
	u.s.mu.Unlock()
	stored := *a
	stored.Result, stored.Window = res, copyWindow(a.Window)
	u.analyses = append(u.analyses, stored)
	return nil
}

func (u *unit) SaveDecision(ctx context.Context, d *store.DecisionRecord) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if err := u.own(&d.ReleaseID, "decision"); err != nil {
		return err
	}
	if !store.CleanText(d.Service, d.Target, d.Trigger, d.Actor, string(d.StateFrom)) {
		return u.fail(store.ErrText())
	}
	if d.Service == "" {
		d.Service = u.rel.Service
	}
	if d.Target == "" {
		d.Target = u.rel.Target
	}
	dec, err := viaJSON(d.Decision, "decision")
	if err != nil {
		return u.fail(err)
	}
	d.CreatedAt = ts(d.CreatedAt)
	u.s.mu.Lock()
	known := d.AnalysisID == nil
	if !known {
		_, known = u.s.owner[*d.AnalysisID]
		for _, a := range u.analyses {
			known = known || a.ID == *d.AnalysisID
		}
	}
	if !known {
		u.s.mu.Unlock()
		return u.fail(fmt.Errorf("save decision: analysis %d: %w", *d.AnalysisID, store.ErrNotFound))
	}
	d.ID = next(&u.s.seq.decision)
	u.s.mu.Unlock()
	stored := copyDecision(*d)
	stored.Decision = dec
	u.decisions = append(u.decisions, stored)
	return nil
}

func (u *unit) UpdateRelease(ctx context.Context, r store.Release) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if r.ID != u.rel.ID {
		return u.fail(fmt.Errorf("update of release %q inside the unit of work of %q", r.ID, u.rel.ID))
	}
	r, err := normRelease(r)
	if err != nil {
		return u.fail(err)
	}
	if r.State.Active() {
		u.s.mu.Lock()
		a, clash := u.s.activeRelease(u.rel.Service, u.rel.Target, u.rel.ID)
		u.s.mu.Unlock()
		if clash {
			return u.fail(fmt.Errorf("update release: %s is active on the same service and target: %w", a.ID, store.ErrConflict))
		}
	}
	if !r.UpdatedAt.IsZero() {
		u.rel.UpdatedAt = r.UpdatedAt
	}
	u.rel.State, u.rel.StateReason = r.State, r.StateReason
	u.rel.RollbackStartedAt, u.rel.RollbackDeadline = r.RollbackStartedAt, r.RollbackDeadline
	u.rel.AutoRollbacks, u.rel.RollbackAttempted = r.AutoRollbacks, r.RollbackAttempted
	u.rel.AnalysisDeadline = r.AnalysisDeadline
	u.relChanged = true
	return nil
}

func (u *unit) Audit(ctx context.Context, e store.AuditEntry) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if e.ReleaseID == "" {
		e.ReleaseID = u.rel.ID
	}
	if e.Service == "" {
		e.Service = u.rel.Service
	}
	e, err := normAudit(e)
	if err != nil {
		return u.fail(err)
	}
	if e.Action == "" {
		return nil
	}
	u.s.mu.Lock()
	e.ID = next(&u.s.seq.audit)
	u.s.mu.Unlock()
	u.audit = append(u.audit, e)
	return nil
}

func (u *unit) Enqueue(ctx context.Context, msgs ...outbox.Message) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	for _, m := range msgs {
		if m.ReleaseID == "" {
			m.ReleaseID = u.rel.ID
		}
		if m.Service == "" {
			m.Service = u.rel.Service
		}
		if m.Target == "" {
			m.Target = u.rel.Target
		}
		row, err := newOutboxRow(m)
		if err != nil {
			return u.fail(err)
		}
		u.s.mu.Lock()
		row.msg.ID = next(&u.s.seq.outbox)
		u.s.mu.Unlock()
		u.outbox = append(u.outbox, row)
	}
	return nil
}

func (u *unit) SaveIdempotent(ctx context.Context, idem store.Idem, status int, body []byte) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if !store.CleanText(idem.Scope, idem.Key, idem.Hash) {
		return u.fail(store.ErrText())
	}
	b := bytes.Clone(body) // kept byte for byte
	k := idemKey{idem.Scope, idem.Key}
	u.s.mu.Lock()
	_, taken := u.s.idem[k]
	u.s.mu.Unlock()
	if _, staged := u.idem[k]; taken || staged {
		return u.fail(fmt.Errorf("save idempotent response: key %q in scope %q is taken: %w", idem.Key, idem.Scope, store.ErrConflict))
	}
	u.idem[k] = store.StoredResponse{RequestHash: idem.Hash, Status: status, Body: b}
	return nil
}

// own fills an empty release id with this unit's release and refuses
// another release's.
func (u *unit) own(id *string, what string) error {
	if u.done {
		return errDone
	}
	if *id == "" {
		*id = u.rel.ID
	}
	if *id != u.rel.ID {
		return u.fail(fmt.Errorf("%s for release %q inside the unit of work of %q", what, *id, u.rel.ID))
	}
	return nil
}

func (u *unit) Evidence(ctx context.Context) (*store.Evidence, error) {
	if err := u.check(ctx); err != nil {
		return nil, err
	}
	if u.evidence != nil {
		return copyEvidence(*u.evidence), nil
	}
	if u.noEvidence {
		return nil, nil
	}
	u.s.mu.Lock()
	defer u.s.mu.Unlock()
	e, ok := u.s.evidence[u.rel.ID]
	if !ok {
		return nil, nil
	}
	return copyEvidence(e), nil
}

func (u *unit) SaveEvidence(ctx context.Context, e store.Evidence) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	if e.PolicyVersion <= 0 || e.Windows < 0 || e.State == nil {
		return u.fail(fmt.Errorf("save evidence: policy version %d, %d windows, %d bytes: a check constraint fails", e.PolicyVersion, e.Windows, len(e.State)))
	}
	if e.Extremes == nil {
		if old, err := u.Evidence(ctx); err != nil {
			return err
		} else if old != nil {
			e.Extremes = old.Extremes
		}
	}
	u.evidence = copyEvidence(e)
	return nil
}

func (u *unit) DropEvidence(ctx context.Context) error {
	if err := u.check(ctx); err != nil {
		return err
	}
	u.evidence, u.noEvidence = nil, true
	return nil
}

func copyEvidence(e store.Evidence) *store.Evidence {
	e.State, e.Extremes = bytes.Clone(e.State), bytes.Clone(e.Extremes)
	return &e
}
