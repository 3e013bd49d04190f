package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// AnalysisRequest is one window's data (POST /v1/releases/{id}/analyses).
// SourceError reports that the caller could not fetch the data.
type AnalysisRequest struct {
	Canary      judge.Samples `json:"canary"`
	Baseline    judge.Samples `json:"baseline"`
	SourceError string        `json:"source_error,omitempty"`
}

// Analyze judges one window of a baking release and decides, under the
// release's lock, writing everything in one unit of work.
func (e *Engine) Analyze(ctx context.Context, releaseID string, req AnalysisRequest, actor string, idem *store.Idem) (Outcome, error) {
	hasSeries := len(req.Canary) > 0 || len(req.Baseline) > 0
	switch {
	case req.SourceError == "" && !hasSeries:
		return Outcome{}, fieldErr("canary", "required: series per metric (or source_error when the data could not be fetched)")
	case req.SourceError != "" && hasSeries:
		return Outcome{}, fieldErr("source_error", "send either series or source_error, not both")
	}
	var out Outcome
	err := e.st.InRelease(ctx, releaseID, func(tx store.ReleaseTx) error {
		sr, err := replay(ctx, tx, idem)
		if err != nil || sr != nil {
			out.Replayed = sr
			return err
		}
		rel := tx.Release()
		if _, err := judge.Next(rel.State, judge.EventAnalysis, rel.RollbackAttempted); err != nil {
			return err
		}
		pol, err := tx.Policy(ctx)
		if err != nil {
			return err
		}
		p := pol.Policy
		var res *judge.Result
		if req.SourceError == "" {
			r, err := judge.Judge(p, req.Canary, req.Baseline)
			if err != nil {
				return err
			}
			r.PolicyVersion = pol.Version
			res = &r
		}
		w := p.Windows
		hist, err := tx.Windows(ctx, max(w.MinWindows, w.ConsecutiveFailures, w.ConsecutiveNoData)+1)
		if err != nil {
			return err
		}
		now := e.now()
		cand := judge.Propose(judge.AnalysisInput{Policy: p, CreatedAt: rel.CreatedAt, History: hist, Result: res, SourceErr: req.SourceError, Now: now})
		g := judge.GuardInput{Policy: p, BaselineVersion: rel.BaselineVersion, Migrations: rel.Migrations, AutoRollbacks: rel.AutoRollbacks}
		if g.Freeze, err = tx.Freeze(ctx, now); err != nil {
			return err
		}
		if cand.Action == judge.ActionRollback {
			since := now.Add(-p.Guards.RollbackCap.Window.Duration)
			if g.ServiceRollbacks, g.FleetRollbacks, err = tx.CountRollbacks(ctx, since); err != nil {
				return err
			}
		}
		d := judge.ApplyGuards(cand, g)

		a := &store.Analysis{ReleaseID: rel.ID, Window: judge.Window{At: now, Error: res == nil}, Result: res,
			SourceError: req.SourceError, PolicyVersion: pol.Version, CreatedAt: now}
		if res != nil {
			a.Window.Verdict = res.Verdict
		}
		if err := tx.SaveAnalysis(ctx, a); err != nil {
			return err
		}
		out, err = e.commit(ctx, tx, change{rel: rel, policy: p, policyVersion: pol.Version, analysis: a, decision: d,
			trigger: "analysis", actor: actor, automatic: true, input: req, idem: idem, now: now})
		return err
	})
	return out, err
}

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
	if d.State == judge.StateRollingBack && from != judge.StateRollingBack {
		deadline := c.now.Add(c.policy.Guards.RollbackTimeout.Duration)
		rel.RollbackStartedAt, rel.RollbackDeadline, rel.RollbackAttempted = &c.now, &deadline, true
		if c.automatic {
			rel.AutoRollbacks++
		}
	}
	rec := &store.DecisionRecord{ReleaseID: rel.ID, Service: rel.Service, Target: rel.Target, Trigger: c.trigger,
		Actor: c.actor, Automatic: c.automatic && d.Action == judge.ActionRollback, StateFrom: from, Decision: d, CreatedAt: c.now}
	if c.analysis != nil {
		rec.AnalysisID = &c.analysis.ID
	}
	if err := tx.SaveDecision(ctx, rec); err != nil {
		return Outcome{}, err
	}
	if err := tx.UpdateRelease(ctx, rel); err != nil {
		return Outcome{}, err
	}
	out := Outcome{Release: rel, Analysis: c.analysis, Decision: d, Record: rec}
	in, _ := json.Marshal(c.input)
	body, err := Encode(out)
	if err != nil {
		return Outcome{}, fmt.Errorf("encode outcome: %w", err)
	}
	out.Body = body
	// The audit keeps the input and the decision; the analysis result is
	// in its own row (analysis_id), not copied again.
	audited, _ := json.Marshal(map[string]any{"decision": d, "state_from": from, "analysis_id": rec.AnalysisID})
	if err := tx.Audit(ctx, store.AuditEntry{At: c.now, Actor: c.actor, Action: c.trigger, Service: rel.Service,
		ReleaseID: rel.ID, PolicyVersion: c.policyVersion, Input: in, Output: audited}); err != nil {
		return Outcome{}, err
	}
	if d.Page && len(c.policy.Notify) == 0 {
		e.log.WarnContext(ctx, "a human is needed but the policy has no notify sinks; nobody is paged",
			"release", rel.ID, "service", rel.Service, "reason", d.Reason)
	}
	if msgs := messages(rel, from, d, c.policy.Notify, c.now); len(msgs) > 0 {
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

func fieldErr(field, msg string) error {
	v := &judge.ValidationError{}
	v.Add(field, msg)
	return v
}
