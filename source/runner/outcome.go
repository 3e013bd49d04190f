package runner

import (
	"context"
	"errors"
	"fmt"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// update is how a judged window moves its run: promote succeeds, rollback
// and escalate end it at once (fail fast), wait goes on.
func update(a *attempt, d *judge.Decision, an *store.Analysis) store.RunUpdate {
	u := store.RunUpdate{State: store.RunRunning, Decision: d, At: a.began}
	if an != nil {
		id := an.ID
		u.LatestAnalysisID = &id
	}
	switch d.Action {
	case judge.ActionPromote:
		u.State = store.RunSucceeded
	case judge.ActionRollback, judge.ActionEscalate:
		u.State = store.RunTerminal
	}
	u.Reason = fmt.Sprintf("window %d of %d: %s (%s): %s", a.seq, a.run.Windows, d.Action, d.Reason, d.Message)
	return u
}

// record is the window's record: what was asked and what it led to.
func (r *Runner) record(a *attempt, req engine.AnalysisRequest, an *store.Analysis, adopted bool) store.RunWindow {
	w := store.RunWindow{Seq: a.seq, Start: a.start, End: a.end, SourceError: req.SourceError, Worker: r.o.Owner,
		Adopted: adopted, StartedAt: a.began, Lag: max(0, a.began.Sub(a.due)), At: r.o.Now(), Queries: make([]store.AskedQuery, len(a.asked))}
	for i, q := range a.asked {
		w.Queries[i] = store.AskedQuery(q)
	}
	if an != nil {
		id := an.ID
		w.AnalysisID = &id
		if adopted {
			w.SourceError = an.SourceError
		}
	}
	return w
}

// ended handles an analysis the engine did not make. A window that is
// already judged (same span) is adopted; a release that is no longer
// baking ends the run; anything that may pass (an outage, a cancelled
// context) is returned so that the window runs again.
func (r *Runner) ended(ctx context.Context, a *attempt, req engine.AnalysisRequest, err error) (store.RunWindow, store.RunUpdate, error) {
	var (
		wc *engine.WindowConflictError
		tr *judge.ErrTransition
		v  *judge.ValidationError
	)
	switch {
	case errors.As(err, &wc) && wc.Start.Equal(a.start.UTC()) && wc.End.Equal(a.end.UTC()):
		return r.adopt(ctx, a, req, wc.Seq)
	case errors.As(err, &wc), errors.As(err, &v):
		w := r.record(a, req, nil, false)
		return w, store.RunUpdate{State: store.RunTerminal, At: a.began,
			Reason: fmt.Sprintf("window %d of %d could not be judged: %v", a.seq, a.run.Windows, err)}, nil
	case errors.As(err, &tr):
		rel, gerr := r.st.GetRelease(ctx, a.run.ReleaseID)
		if gerr != nil {
			return store.RunWindow{}, store.RunUpdate{}, gerr
		}
		u := store.RunUpdate{State: store.RunTerminal, At: a.began,
			Reason: fmt.Sprintf("release %s is %s (%s): it takes no more analyses", rel.ID, rel.State, rel.StateReason)}
		if rel.State == judge.StatePromoted {
			u.State = store.RunSucceeded
		}
		return r.record(a, req, nil, false), u, nil
	}
	return store.RunWindow{}, store.RunUpdate{}, err
}

// adopt takes over the analysis an earlier attempt stored for this window.
func (r *Runner) adopt(ctx context.Context, a *attempt, req engine.AnalysisRequest, seq int) (store.RunWindow, store.RunUpdate, error) {
	as, err := r.st.Analyses(ctx, a.run.ReleaseID, 0)
	if err != nil {
		return store.RunWindow{}, store.RunUpdate{}, err
	}
	var found *store.Analysis
	for i := range as {
		if as[i].Seq == seq {
			found = &as[i]
		}
	}
	if found == nil {
		return store.RunWindow{}, store.RunUpdate{}, fmt.Errorf("analysis #%d of release %s not found", seq, a.run.ReleaseID)
	}
	d, err := r.st.LatestDecision(ctx, a.run.ReleaseID)
	if err != nil {
		return store.RunWindow{}, store.RunUpdate{}, err
	}
	w := r.record(a, req, found, true)
	w.Action, w.Reason = d.Decision.Action, d.Decision.Reason
	return w, update(a, &d.Decision, found), nil
}
