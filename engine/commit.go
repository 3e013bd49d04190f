package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// change is one decision to record, whatever triggered it.
type change struct {
	rel           store.Release
	policy        judge.Policy
	policyVersion int
	analysis      *store.Analysis
	decision      judge.Decision
	trigger       string // analysis | event | override | sweeper
	actor         string
	automatic     bool
	input         any
	idem          *store.Idem
	now           time.Time
}

// commit writes the decision, the release's new state, the audit entry,
// the notifications and the idempotent response through tx.
func (e *Engine) commit(ctx context.Context, tx store.ReleaseTx, c change) (Outcome, error) {
	rel, d := c.rel, c.decision
	from := rel.State
	rel.State, rel.StateReason, rel.UpdatedAt = d.State, d.Reason, c.now
	rel.AnalysisDeadline = analysisDeadline(rel, from, c)
	if d.State == judge.StateRollingBack && from != judge.StateRollingBack {
		deadline := c.now.Add(c.policy.Guards.RollbackTimeout.Duration)
		rel.RollbackStartedAt, rel.RollbackDeadline, rel.RollbackAttempted = &c.now, &deadline, true
		if c.automatic {
			rel.AutoRollbacks++
		}
	}
	// The decision is encoded once, for its row, the audit entry and the
	// response.
	dj, err := store.EncodeJSON(d)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode the decision: %w", err)
	}
	rec := &store.DecisionRecord{ReleaseID: rel.ID, Service: rel.Service, Target: rel.Target, Trigger: c.trigger,
		Actor: c.actor, Automatic: c.automatic && d.Action == judge.ActionRollback, StateFrom: from, Decision: d, CreatedAt: c.now,
		DecisionJSON: dj}
	if c.analysis != nil {
		rec.AnalysisID = &c.analysis.ID
	}
	if err := tx.SaveDecision(ctx, rec); err != nil {
		return Outcome{}, err
	}
	if err := tx.UpdateRelease(ctx, rel); err != nil {
		return Outcome{}, err
	}
	if rel.State.Terminal() && !from.Terminal() {
		// It takes no more windows: its running evidence would only take
		// room (the analyses keep what it was built from).
		if err := tx.DropEvidence(ctx); err != nil {
			return Outcome{}, err
		}
	}
	out := Outcome{Release: rel, Analysis: c.analysis, Decision: d, Record: rec}
	in, err := auditInput(c.input)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode the input for the audit log: %w", err)
	}
	body, err := encodeOutcome(out, dj)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode outcome: %w", err)
	}
	out.Body = body
	// The audit keeps the input and the decision; the analysis result is
	// in its own row (analysis_id), not copied again.
	audited, err := auditOutput(rec.AnalysisID, dj, from)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode the decision for the audit log: %w", err)
	}
	if err := tx.Audit(ctx, store.AuditEntry{At: c.now, Actor: c.actor, Action: c.trigger, Service: rel.Service,
		ReleaseID: rel.ID, PolicyVersion: c.policyVersion, Input: in, Output: audited}); err != nil {
		return Outcome{}, err
	}
	if d.Page && len(c.policy.Notify) == 0 {
		e.log.WarnContext(ctx, "a human is needed but the policy has no notify sinks; nobody is paged",
			"release", rel.ID, "service", rel.Service, "reason", d.Reason)
	}
	msgs, err := messages(rel, from, d, c.policyVersion, c.policy.Notify, c.now)
	if err != nil {
		return Outcome{}, err
	}
	if len(msgs) > 0 {
		if err := tx.Enqueue(ctx, msgs...); err != nil {
			return Outcome{}, err
		}
	}
	if c.idem != nil {
		// The server writes exactly these bytes, so a replay is
		// byte-for-byte the first answer.
		if err := tx.SaveIdempotent(ctx, *c.idem, 200, body); err != nil {
			return Outcome{}, err
		}
	}
	e.logDecision(ctx, rel, c.trigger, c.actor, d)
	return out, nil
}

// auditInput is what the audit log keeps of a request: the client's own
// bytes when the request kept them, else its encoding.
func auditInput(input any) ([]byte, error) {
	if r, ok := input.(AnalysisRequest); ok && len(r.Raw) > 0 {
		return r.Raw, nil
	}
	return json.Marshal(input)
}

// analysisDeadline is when a release that stays baking needs its next
// analysis: stale_after from now after an analysis or on entering baking
// (a resolve), unchanged otherwise; nil once it leaves baking.
func analysisDeadline(rel store.Release, from judge.State, c change) *time.Time {
	switch {
	case rel.State != judge.StateBaking:
		return nil
	case c.analysis != nil || from != judge.StateBaking || rel.AnalysisDeadline == nil:
		t := c.now.Add(c.policy.Windows.StaleAfterOrDefault())
		return &t
	}
	return rel.AnalysisDeadline
}

func fieldErr(field, msg string) error {
	v := &judge.ValidationError{}
	v.Add(field, msg)
	return v
}
