package engine

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// AnalysisRequest is one window's data (POST /v1/releases/{id}/analyses).
// SourceError reports that the caller could not fetch the data. Window,
// when given, is the window's time span; otherwise the window runs from
// the end of the previous one (or the release's creation) to now.
type AnalysisRequest struct {
	Canary      judge.Side   `json:"canary"`
	Baseline    judge.Side   `json:"baseline"`
	SourceError string       `json:"source_error,omitempty"`
	Window      *WindowTimes `json:"window,omitempty"`
	// Raw is the request as the client sent it (compact JSON), when it
	// came as JSON: the audit log keeps these bytes instead of encoding
	// the series again.
	Raw json.RawMessage `json:"-"`
}

// Analyze judges one window of a baking release and decides, under the
// release's lock, writing everything in one unit of work.
func (e *Engine) Analyze(ctx context.Context, releaseID string, req AnalysisRequest, actor string, idem *store.Idem) (Outcome, error) {
	hasSeries := !req.Canary.Empty() || !req.Baseline.Empty()
	switch {
	case req.SourceError == "" && !hasSeries:
		return Outcome{}, fieldErr("canary", "required: series per metric (or source_error when the data could not be fetched)")
	case req.SourceError != "" && hasSeries:
		return Outcome{}, fieldErr("source_error", "send either series or source_error, not both")
	}
	if err := req.Window.validate(e.now()); err != nil {
		return Outcome{}, err
	}
	return e.once(ctx, releaseID, idem, func(tx store.ReleaseTx) (Outcome, error) {
		return e.analyzeLocked(ctx, tx, req, actor, idem)
	})
}

// analyzeLocked judges and decides while holding the release's lock.
func (e *Engine) analyzeLocked(ctx context.Context, tx store.ReleaseTx, req AnalysisRequest, actor string, idem *store.Idem) (Outcome, error) {
	rel := tx.Release()
	if _, err := judge.Next(rel.State, judge.EventAnalysis, rel.RollbackAttempted); err != nil {
		return Outcome{}, err
	}
	pol, err := tx.Policy(ctx)
	if err != nil {
		return Outcome{}, err
	}
	p := pol.Policy.WithDefaults()
	var res *judge.Result
	if req.SourceError == "" {
		r, err := judge.JudgeSides(p, req.Canary, req.Baseline)
		if err != nil {
			return Outcome{}, err
		}
		r.PolicyVersion = pol.Version
		res = &r
	}
	run, extremes, err := running(ctx, tx, p, pol.Version)
	if err != nil {
		return Outcome{}, err
	}
	now := e.now()
	span, err := windowSpan(req.Window, run, rel.CreatedAt, now)
	if err != nil {
		return Outcome{}, err
	}
	in := judge.AnalysisInput{Policy: p, CreatedAt: rel.CreatedAt, Running: &run, PolicyVersion: pol.Version, Result: res,
		SourceErr: req.SourceError, Start: span.Start, End: span.End, Now: now}
	cand, next := judge.Decide(in)
	g := judge.GuardInput{Policy: p, BaselineVersion: rel.BaselineVersion, Migrations: rel.Migrations, AutoRollbacks: rel.AutoRollbacks}
	if g.Freeze, err = tx.Freeze(ctx, now); err != nil {
		return Outcome{}, err
	}
	if cand.Action == judge.ActionRollback {
		since := now.Add(-p.Guards.RollbackCap.Window.Duration)
		if g.ServiceRollbacks, g.FleetRollbacks, err = tx.CountRollbacks(ctx, since); err != nil {
			return Outcome{}, err
		}
	}
	d := judge.ApplyGuards(cand, g)

	a := &store.Analysis{ReleaseID: rel.ID, Window: in.Window(), Result: res,
		SourceError: req.SourceError, PolicyVersion: pol.Version, CreatedAt: now}
	if res != nil { // encoded once: the store keeps these bytes and the response carries them
		if a.ResultJSON, err = res.AppendJSON(make([]byte, 0, 512+1200*len(res.Metrics))); err != nil {
			return Outcome{}, fmt.Errorf("encode the analysis result: %w", err)
		}
	}
	if err := tx.SaveAnalysis(ctx, a); err != nil {
		return Outcome{}, err
	}
	if !d.State.Terminal() { // an ended release's evidence is dropped (commit)
		if err := saveRunning(ctx, tx, next, extremes); err != nil {
			return Outcome{}, err
		}
	}
	return e.commit(ctx, tx, change{rel: rel, policy: p, policyVersion: pol.Version, analysis: a, decision: d,
		trigger: "analysis", actor: actor, automatic: true, input: req, idem: idem, now: now})
}
