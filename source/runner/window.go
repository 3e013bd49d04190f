package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// attempt is one execution of one window of a claimed run.
type attempt struct {
	run             store.Run
	claim           int64
	seq             int
	start, end, due time.Time
	began           time.Time
	asked           []source.Asked
}

// Window runs the next window of a claimed run and completes it. Errors
// are logged and leave the run to its lease or a retry; they are not
// returned because nobody waits on a scheduled window.
func (r *Runner) Window(ctx context.Context, c store.ClaimedRun) {
	a := attempt{run: c.Run, claim: c.Run.Claim, seq: c.Run.Done + 1, began: r.o.Now()}
	a.start, a.end, a.due = c.Run.WindowSpan(a.seq)
	log := r.o.Logger.With("run", a.run.ID, "release", a.run.ReleaseID, "window", a.seq)
	if c.Takeover {
		r.m.takeovers.Inc()
		log.Warn("took over a run whose lease expired", "previous_claim", a.claim-1)
	}
	r.m.lag.Observe(max(0, a.began.Sub(a.due).Seconds()))
	ctx, cancel := context.WithTimeout(ctx, r.o.Lease*9/10)
	defer cancel()
	w, u, err := r.execute(ctx, &a)
	if err != nil {
		r.m.windows.WithLabelValues("retry").Inc()
		log.Warn("window not finished; it runs again", "error", err, "retry_in", r.o.Retry.String())
		if rerr := r.st.ReleaseRun(context.WithoutCancel(ctx), a.run.ID, a.claim, r.o.Now().Add(r.o.Retry)); rerr != nil && !errors.Is(rerr, store.ErrLeaseLost) {
			log.Warn("could not give the run back; its lease will expire", "error", rerr)
		}
		return
	}
	if _, err := r.st.CompleteWindow(ctx, a.run.ID, a.claim, w, u); err != nil {
		r.m.windows.WithLabelValues("lost").Inc()
		log.Warn("could not record the window; whoever holds the run now records it", "error", err)
		return
	}
	r.m.windows.WithLabelValues(outcomeLabel(w)).Inc()
	log.Info("window judged", "action", w.Action, "reason", w.Reason, "status", u.State, "adopted", w.Adopted,
		"lag_seconds", w.Lag.Seconds(), "source_error", w.SourceError)
}

func outcomeLabel(w store.RunWindow) string {
	switch {
	case w.Adopted:
		return "adopted"
	case w.SourceError != "":
		return "source_error"
	case w.AnalysisID == nil:
		return "ended"
	}
	return "judged"
}

// execute fetches and posts the window; an error means it must run again.
func (r *Runner) execute(ctx context.Context, a *attempt) (store.RunWindow, store.RunUpdate, error) {
	pol, err := r.st.GetPolicy(ctx, a.run.Service)
	if err != nil {
		return store.RunWindow{}, store.RunUpdate{}, err
	}
	req := engine.AnalysisRequest{Window: &engine.WindowTimes{Start: a.start, End: a.end}}
	req.Canary, req.Baseline, req.SourceError = r.fetch(ctx, a, pol.Policy)
	if ctx.Err() != nil {
		return store.RunWindow{}, store.RunUpdate{}, ctx.Err()
	}
	out, adopted, err := r.post(ctx, a, &req)
	if err != nil {
		return r.ended(ctx, a, req, err)
	}
	w := r.record(a, req, out.Analysis, adopted)
	w.Action, w.Reason = out.Decision.Action, out.Decision.Reason
	return w, update(a, &out.Decision, out.Analysis), nil
}

// fetch pulls the window; a failure becomes the window's source_error.
func (r *Runner) fetch(ctx context.Context, a *attempt, p judge.Policy) (canary, baseline judge.Side, srcErr string) {
	src, err := r.sources.get(ctx, a.run.Source)
	if err != nil {
		return judge.Side{}, judge.Side{}, clip("source " + a.run.Source + ": " + err.Error())
	}
	t0 := time.Now()
	res, err := src.Fetch(ctx, source.Request{Metrics: p.Metrics, Canary: a.run.Scope.Canary, Baseline: a.run.Scope.Baseline, Start: a.start, End: a.end})
	r.m.fetchSeconds.WithLabelValues(a.run.Source).Observe(time.Since(t0).Seconds())
	r.countRequests(a.run.Source, res)
	a.asked = res.Asked
	switch {
	case err != nil:
		r.m.sourceErrors.WithLabelValues(a.run.Source).Inc()
		return judge.Side{}, judge.Side{}, clip(err.Error())
	case res.Canary.Empty() && res.Baseline.Empty():
		return judge.Side{}, judge.Side{}, "no data at all: every query of the window returned an empty result (see the run's window queries)"
	}
	return res.Canary, res.Baseline, ""
}

// countRequests adds a fetch's requests by outcome; those a source did
// not classify count as ok.
func (r *Runner) countRequests(src string, res source.Result) {
	rest := res.Requests
	for outcome, n := range res.Outcomes {
		r.m.queries.WithLabelValues(src, outcome).Add(float64(n))
		rest -= n
	}
	if rest > 0 {
		r.m.queries.WithLabelValues(src, source.OutcomeOK).Add(float64(rest))
	}
}

func clip(s string) string {
	if len(s) <= engine.MaxSourceErrorBytes {
		return s
	}
	return s[:engine.MaxSourceErrorBytes-3] + "..."
}

// post sends the window through the engine, exactly once per window: the
// idempotency key names the run and the window, so a repeat (a worker
// died after the analysis committed) gets the stored answer back.
func (r *Runner) post(ctx context.Context, a *attempt, req *engine.AnalysisRequest) (engine.Outcome, bool, error) {
	span := a.start.UTC().Format(time.RFC3339Nano) + "/" + a.end.UTC().Format(time.RFC3339Nano)
	sum := sha256.Sum256([]byte(a.run.ID + "\n" + strconv.Itoa(a.seq) + "\n" + span))
	idem := &store.Idem{Scope: "run " + a.run.ID, Key: "window " + strconv.Itoa(a.seq), Hash: hex.EncodeToString(sum[:])}
	actor := "run:" + a.run.ID
	out, err := r.an.Analyze(ctx, a.run.ReleaseID, *req, actor, idem)
	var v *judge.ValidationError
	if errors.As(err, &v) && req.SourceError == "" {
		// The judge refused the data (e.g. events above totals): judge the
		// window as a source error rather than retrying it forever.
		*req = engine.AnalysisRequest{Window: req.Window, SourceError: clip("the source's data was refused: " + v.Error())}
		out, err = r.an.Analyze(ctx, a.run.ReleaseID, *req, actor, idem)
	}
	if err != nil {
		return out, false, err
	}
	if out.Replayed != nil {
		var stored engine.Outcome
		if err := json.Unmarshal(out.Replayed.Body, &stored); err != nil {
			return out, false, fmt.Errorf("decode the stored answer of window %d: %w", a.seq, err)
		}
		return stored, true, nil
	}
	return out, false, nil
}
