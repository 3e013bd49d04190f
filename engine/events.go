package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// EventRequest is a deploy tool's report (POST /v1/releases/{id}/events).
type EventRequest struct {
	Type   judge.Event `json:"type"`
	Detail string      `json:"detail,omitempty"`
}

// OverrideRequest is an operator's order (POST /v1/releases/{id}/override).
type OverrideRequest struct {
	Action string `json:"action"` // promote | rollback | halt | resolve
	Reason string `json:"reason"`
}

// Limits of the free text of events and overrides (the HTTP layer
// enforces them first, naming the field; these hold for any caller).
const (
	MaxReasonBytes      = 1024
	MaxDetailBytes      = 16 << 10
	MaxSourceErrorBytes = 16 << 10
)

var toolEvents = map[judge.Event]bool{judge.EventRollbackStarted: true, judge.EventRollbackCompleted: true,
	judge.EventRollbackFailed: true, judge.EventPromoted: true}

// Event applies a deploy tool's report to the state machine.
func (e *Engine) Event(ctx context.Context, releaseID string, req EventRequest, actor string, idem *store.Idem) (Outcome, error) {
	if !toolEvents[req.Type] {
		return Outcome{}, fieldErr("type", "must be one of rollback_started, rollback_completed, rollback_failed, promoted")
	}
	if len(req.Detail) > MaxDetailBytes {
		return Outcome{}, fieldErr("detail", fmt.Sprintf("must be at most %d bytes", MaxDetailBytes))
	}
	return e.transition(ctx, releaseID, req.Type, "event", actor, req.Detail, req, idem)
}

// Override applies an operator's order. The reason is mandatory: it is
// what the next person reading the audit log needs.
func (e *Engine) Override(ctx context.Context, releaseID string, req OverrideRequest, actor string, idem *store.Idem) (Outcome, error) {
	ev := judge.Event("override:" + req.Action)
	v := &judge.ValidationError{}
	switch ev {
	case judge.OverridePromote, judge.OverrideRollback, judge.OverrideHalt, judge.OverrideResolve:
	default:
		v.Add("action", "must be one of promote, rollback, halt, resolve")
	}
	if len(strings.TrimSpace(req.Reason)) < 3 {
		v.Add("reason", "required: say why (at least 3 characters)")
	}
	if len(req.Reason) > MaxReasonBytes {
		v.Add("reason", fmt.Sprintf("must be at most %d bytes", MaxReasonBytes))
	}
	if err := v.Err(); err != nil {
		return Outcome{}, err
	}
	return e.transition(ctx, releaseID, ev, "override", actor, req.Reason, req, idem)
}

// Sweep halts and pages the releases automation can no longer move:
// rollbacks not reported done by their deadline, and baking releases that
// got no analysis within the policy's stale_after. Safe to run on every
// replica at once: each release is handled (and paged) by exactly one.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	var c counted
	stuck, err := e.st.SweepStuck(ctx, e.now(), 50, e.sweeper(ctx, &c, judge.EventRollbackTimeout, "rollback stuck; release halted"))
	c.done(e.metrics, err)
	if err != nil {
		return stuck, err
	}
	c = counted{}
	stale, err := e.st.SweepStale(ctx, e.now(), 50, e.sweeper(ctx, &c, judge.EventNoAnalysis, "no analysis within stale_after; release halted"))
	c.done(e.metrics, err)
	return stuck + stale, err
}

func (e *Engine) sweeper(ctx context.Context, c *counted, ev judge.Event, msg string) func(tx store.ReleaseTx) error {
	return func(tx store.ReleaseTx) error {
		c.next(e.metrics)
		rel := tx.Release()
		out, err := e.apply(ctx, tx, ev, "sweeper", "canaryjudge", "", nil, nil)
		if err == nil {
			c.pending = &out
			e.log.WarnContext(ctx, msg, "release", rel.ID, "service", rel.Service, "rollback_deadline", rel.RollbackDeadline,
				"analysis_deadline", rel.AnalysisDeadline)
		}
		return err
	}
}

// counted counts a sweep's decisions once their units have committed: a
// sweep goes on to the next release only after the previous one's unit
// committed, and a sweep that ends without error committed its last.
type counted struct{ pending *Outcome }

func (c *counted) next(m *metrics) {
	if c.pending != nil && c.pending.Record != nil {
		m.decided(c.pending.Release.Service, c.pending.Decision)
	}
	c.pending = nil
}

func (c *counted) done(m *metrics, err error) {
	if err == nil {
		c.next(m)
	}
	c.pending = nil
}

func (e *Engine) transition(ctx context.Context, releaseID string, ev judge.Event, trigger, actor, detail string, input any, idem *store.Idem) (Outcome, error) {
	return e.once(ctx, releaseID, idem, func(tx store.ReleaseTx) (Outcome, error) {
		return e.apply(ctx, tx, ev, trigger, actor, detail, input, idem)
	})
}

// apply moves the release through the state machine and records why.
func (e *Engine) apply(ctx context.Context, tx store.ReleaseTx, ev judge.Event, trigger, actor, detail string, input any, idem *store.Idem) (Outcome, error) {
	rel := tx.Release()
	tr, err := judge.Next(rel.State, ev, rel.RollbackAttempted)
	if err != nil {
		return Outcome{}, err
	}
	pol, err := tx.Policy(ctx)
	if err != nil {
		return Outcome{}, err
	}
	now := e.now()
	d := eventDecision(rel, ev, tr, actor, detail)
	d.Evidence.Event, d.Evidence.Detail = string(ev), detail
	if tr.Duplicate {
		return e.duplicate(ctx, tx, rel, d, trigger+":"+string(ev)+":duplicate", actor, pol.Version, idem, now)
	}
	if ev == judge.EventPromoted {
		if d, err = e.checkPromotion(ctx, tx, rel, d, now); err != nil {
			return Outcome{}, err
		}
	}
	return e.commit(ctx, tx, change{rel: rel, policy: pol.Policy, policyVersion: pol.Version, decision: d,
		trigger: trigger, actor: actor, input: input, idem: idem, now: now})
}

// duplicate acknowledges a repeated event without changing anything, and
// keeps the answer for its Idempotency-Key like every other path does.
func (e *Engine) duplicate(ctx context.Context, tx store.ReleaseTx, rel store.Release, d judge.Decision, action, actor string,
	policyVersion int, idem *store.Idem, now time.Time) (Outcome, error) {
	if err := tx.Audit(ctx, store.AuditEntry{At: now, Actor: actor, Action: action, Service: rel.Service,
		ReleaseID: rel.ID, PolicyVersion: policyVersion}); err != nil {
		return Outcome{}, err
	}
	out := Outcome{Release: rel, Decision: d, Duplicate: true}
	body, err := store.EncodeJSON(out)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode outcome: %w", err)
	}
	out.Body = body
	if idem != nil {
		if err := tx.SaveIdempotent(ctx, *idem, 200, body); err != nil {
			return Outcome{}, err
		}
	}
	return out, nil
}

// checkPromotion compares a promotion the deploy tool reports with the
// latest decision and the freeze: the tool already acted, so it is
// recorded either way, but a promotion the decisions did not allow (the
// latest decision is not promote, or a freeze is in force) is recorded as
// promoted_against_decision and pages.
func (e *Engine) checkPromotion(ctx context.Context, tx store.ReleaseTx, rel store.Release, d judge.Decision, now time.Time) (judge.Decision, error) {
	var why []string
	guard := map[string]any{}
	latest, err := e.st.LatestDecision(ctx, rel.ID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		why = append(why, "no decision was made on it yet")
		guard["latest_decision"] = nil
	case err != nil:
		return d, err
	case latest.Decision.Action != judge.ActionPromote:
		why = append(why, fmt.Sprintf("its latest decision is %s (%s)", latest.Decision.Action, latest.Decision.Reason))
		guard["latest_decision"] = map[string]any{"action": latest.Decision.Action, "reason": latest.Decision.Reason, "at": latest.CreatedAt}
	}
	f, err := tx.Freeze(ctx, now)
	if err != nil {
		return d, err
	}
	if f != nil {
		why = append(why, fmt.Sprintf("a freeze (%s: %s) is in force", f.Scope, f.Reason))
		guard["freeze"] = map[string]any{"scope": f.Scope, "reason": f.Reason, "by": f.CreatedBy}
	}
	if len(why) == 0 {
		return d, nil
	}
	d.Reason, d.Page, d.Evidence.Guard = judge.ReasonPromotedAgainstDecision, true, guard
	d.Message = "the deploy tool reports the canary promoted, but " + strings.Join(why, " and ")
	return d, nil
}

// eventDecision is the decision an event or override records.
func eventDecision(rel store.Release, ev judge.Event, tr judge.Transition, actor, detail string) judge.Decision {
	d := judge.Decision{State: tr.To, Page: tr.Page}
	switch ev {
	case judge.EventRollbackStarted, judge.EventRollbackCompleted:
		d.Action, d.Reason, d.Message = judge.ActionRollback, judge.ReasonRollbackCompleted, "the deploy tool reports the rollback to "+rel.BaselineVersion+" done"
		if ev == judge.EventRollbackStarted {
			d.Message = "the deploy tool reports the rollback to " + rel.BaselineVersion + " under way"
		}
		if rel.State == judge.StateBaking {
			d.Reason = judge.ReasonRolledBackByTool
			d.Message += " (the tool rolled back on its own while canaryjudge was still judging)"
		}
	case judge.EventRollbackFailed:
		d.Action, d.Reason, d.Message = judge.ActionEscalate, judge.ReasonRollbackFailed, "the deploy tool reports the rollback failed: "+detail
	case judge.EventRollbackTimeout:
		d.Action, d.Reason = judge.ActionEscalate, judge.ReasonRollbackStuck
		d.Message = "no rollback_completed before the deadline"
		if rel.RollbackDeadline != nil {
			d.Message += " " + rel.RollbackDeadline.Format("2006-01-02T15:04:05Z")
		}
	case judge.EventNoAnalysis:
		d.Action, d.Reason = judge.ActionEscalate, judge.ReasonNoAnalysis
		d.Message = "no analysis received in time"
		if rel.AnalysisDeadline != nil {
			d.Message += " (due by " + rel.AnalysisDeadline.Format("2006-01-02T15:04:05Z") + ")"
		}
	case judge.EventPromoted:
		d.Action, d.Reason, d.Message = judge.ActionPromote, judge.ReasonPromotedByTool, "the deploy tool reports the canary promoted"
	default: // overrides
		d.Reason = judge.ReasonOverride
		d.Message = fmt.Sprintf("override by %s: %s", actor, detail)
		switch tr.To {
		case judge.StatePromoted:
			d.Action = judge.ActionPromote
		case judge.StateRollingBack, judge.StateRolledBack:
			d.Action = judge.ActionRollback
		case judge.StateHalted:
			d.Action = judge.ActionEscalate
		default:
			d.Action = judge.ActionWait
		}
	}
	if d.Action == judge.ActionRollback {
		d.RollbackTo = rel.BaselineVersion
	}
	return d
}
