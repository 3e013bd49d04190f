package engine

import (
	"context"
	"fmt"

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

var toolEvents = map[judge.Event]bool{judge.EventRollbackStarted: true, judge.EventRollbackCompleted: true,
	judge.EventRollbackFailed: true, judge.EventPromoted: true}

// Event applies a deploy tool's report to the state machine.
func (e *Engine) Event(ctx context.Context, releaseID string, req EventRequest, actor string, idem *store.Idem) (Outcome, error) {
	if !toolEvents[req.Type] {
		return Outcome{}, fieldErr("type", "must be one of rollback_started, rollback_completed, rollback_failed, promoted")
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
	if len(req.Reason) < 3 {
		v.Add("reason", "required: say why (at least 3 characters)")
	}
	if err := v.Err(); err != nil {
		return Outcome{}, err
	}
	return e.transition(ctx, releaseID, ev, "override", actor, req.Reason, req, idem)
}

// Sweep halts releases whose rollback was not reported done in time and
// pages. Safe to run on every replica at once: each stuck release is
// handled by exactly one.
func (e *Engine) Sweep(ctx context.Context) (int, error) {
	return e.st.SweepStuck(ctx, e.now(), 50, func(tx store.ReleaseTx) error {
		rel := tx.Release()
		_, err := e.apply(ctx, tx, judge.EventRollbackTimeout, "sweeper", "canaryjudge", "", nil, nil)
		if err == nil {
			e.log.WarnContext(ctx, "rollback stuck; release halted", "release", rel.ID, "service", rel.Service, "deadline", rel.RollbackDeadline)
		}
		return err
	})
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
		if err := tx.Audit(ctx, store.AuditEntry{At: now, Actor: actor, Action: trigger + ":" + string(ev) + ":duplicate",
			Service: rel.Service, ReleaseID: rel.ID, PolicyVersion: pol.Version}); err != nil {
			return Outcome{}, err
		}
		return Outcome{Release: rel, Decision: d, Duplicate: true}, nil
	}
	return e.commit(ctx, tx, change{rel: rel, policy: pol.Policy, policyVersion: pol.Version, decision: d,
		trigger: trigger, actor: actor, input: input, idem: idem, now: now})
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
	case judge.EventRollbackFailed:
		d.Action, d.Reason, d.Message = judge.ActionEscalate, judge.ReasonRollbackFailed, "the deploy tool reports the rollback failed: "+detail
	case judge.EventRollbackTimeout:
		d.Action, d.Reason = judge.ActionEscalate, judge.ReasonRollbackStuck
		d.Message = "no rollback_completed before the deadline"
		if rel.RollbackDeadline != nil {
			d.Message += " " + rel.RollbackDeadline.Format("2006-01-02T15:04:05Z")
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
