package server

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// RunRequest is POST /v1/releases/{id}/runs: analyse the release on a
// schedule, pulling each window from a configured source. Window k covers
// [start + k*interval - lookback, start + k*interval) and runs once it has
// ended (plus delay). start defaults to now + begin_after; a start in the
// past backfills (its windows run at once, in order).
type RunRequest struct {
	Source string   `json:"source"`
	Scope  RunScope `json:"scope"`
	// Durations are Go duration strings ("5m").
	Interval   *string    `json:"interval,omitempty"`
	Lifetime   *string    `json:"lifetime,omitempty"`
	BeginAfter *string    `json:"begin_after,omitempty"`
	Lookback   *string    `json:"lookback,omitempty"`
	Delay      *string    `json:"delay,omitempty"`
	Start      *time.Time `json:"start,omitempty"`
}

// RunScope holds the label matchers of each side.
type RunScope struct {
	Canary   source.Scope `json:"canary"`
	Baseline source.Scope `json:"baseline"`
}

// Run limits.
const (
	minRunInterval = 10 * time.Second
	maxRunWindows  = 1000
)

func (s *Server) postRun(w http.ResponseWriter, r *http.Request) error {
	var req RunRequest
	if _, err := readJSON(r, &req); err != nil {
		return err
	}
	created, err := s.startRun(r, chi.URLParam(r, "id"), req)
	if err != nil {
		return err
	}
	w.Header().Set("Location", absURL(r, "/v1/runs/"+created.ID))
	writeJSON(w, http.StatusAccepted, s.runView(r, created, false))
	return nil
}

// startRun schedules a run of a baking release (POST .../runs, and the
// deploy tools' protocols that start one themselves).
func (s *Server) startRun(r *http.Request, releaseID string, req RunRequest) (store.Run, error) {
	rel, err := s.store.GetRelease(r.Context(), releaseID)
	if err != nil {
		return store.Run{}, err
	}
	pol, err := s.store.GetPolicy(r.Context(), rel.Service)
	if err != nil {
		return store.Run{}, err
	}
	run, err := s.planRun(r, req, pol.Policy)
	if err != nil {
		return store.Run{}, err
	}
	if rel.State != judge.StateBaking {
		return store.Run{}, &httpError{status: http.StatusConflict, slug: "invalid-transition", title: "Not allowed in the current state",
			detail: "release " + rel.ID + " is " + string(rel.State) + "; only a baking release can be analysed", current: map[string]any{"state": rel.State}}
	}
	run.ReleaseID, run.Service, run.CreatedBy = rel.ID, rel.Service, principal(r.Context())
	created, err := s.store.CreateRun(r.Context(), run, store.AuditEntry{Actor: run.CreatedBy, Action: "run:create", Input: mustJSON(req)})
	var active *store.ActiveRunError
	switch {
	case errors.As(err, &active):
		return store.Run{}, &httpError{status: http.StatusConflict, slug: "active-run", title: "The release has a running run",
			detail: err.Error(), current: s.runView(r, active.Active, false)}
	case errors.Is(err, store.ErrNotFound):
		// The release was found above and releases are never deleted:
		// the source was deleted meanwhile.
		return store.Run{}, badRequest("source", "no source named "+req.Source+" (it was just deleted); configure it with PUT /v1/sources/"+req.Source)
	}
	return created, err
}

// planRun validates a run request against the policy and its source.
func (s *Server) planRun(r *http.Request, req RunRequest, p judge.Policy) (store.Run, error) {
	v := &judge.ValidationError{}
	source.ValidateScope(v, "scope.canary", req.Scope.Canary)
	source.ValidateScope(v, "scope.baseline", req.Scope.Baseline)
	if req.Source == "" {
		v.Add("source", "is required: the name of a source (PUT /v1/sources/{name} or the sources file)")
	} else if rec, err := s.sourceRecord(r.Context(), req.Source); errors.Is(err, store.ErrNotFound) {
		v.Add("source", "no source named "+req.Source+"; configure it first with PUT /v1/sources/"+req.Source)
	} else if err != nil {
		return store.Run{}, err
	} else if b, ok := s.backends[rec.Type]; ok {
		if err := b.CheckMetrics(p.Metrics); err != nil {
			vv, _ := judge.AsValidation(err)
			v.Problems = append(v.Problems, vv.Problems...)
		}
	}
	now := s.now().UTC()
	run := store.Run{ID: newRunID(), Source: req.Source, Scope: store.Scopes{Canary: req.Scope.Canary, Baseline: req.Scope.Baseline},
		Interval: duration(v, "interval", req.Interval, p.Windows.Interval.Duration), CreatedAt: now, UpdatedAt: now}
	_, static := s.staticSources[req.Source]
	run.StoredSource = !static
	run.Lookback = duration(v, "lookback", req.Lookback, run.Interval.Duration)
	run.Delay = duration(v, "delay", req.Delay, 0)
	maxWindows := p.Windows.MaxWindows
	if maxWindows <= 0 {
		maxWindows = judge.DefaultMaxWindows
	}
	lifetime := duration(v, "lifetime", req.Lifetime, time.Duration(maxWindows)*run.Interval.Duration)
	beginAfter := duration(v, "begin_after", req.BeginAfter, 0)
	if len(v.Problems) == 0 {
		checkRunTimes(v, run, lifetime, beginAfter, req)
	}
	if err := v.Err(); err != nil {
		return store.Run{}, err
	}
	run.Windows = int(lifetime.Duration / run.Interval.Duration)
	run.Start = now.Add(beginAfter.Duration)
	if req.Start != nil {
		run.Start = req.Start.UTC()
	}
	_, _, run.NextDue = run.WindowSpan(1)
	return run, nil
}

func checkRunTimes(v *judge.ValidationError, run store.Run, lifetime, beginAfter judge.Duration, req RunRequest) {
	ivl := run.Interval.Duration
	switch {
	case ivl < minRunInterval || ivl > 24*time.Hour:
		v.Add("interval", fmt.Sprintf("must be between %s and 24h", minRunInterval))
	case run.Lookback.Duration <= 0 || run.Lookback.Duration > ivl:
		v.Add("lookback", "must be positive and at most the interval (windows of a release may not overlap)")
	case lifetime.Duration < ivl:
		v.Add("lifetime", "must be at least one interval")
	case lifetime.Duration/ivl > maxRunWindows:
		v.Add("lifetime", fmt.Sprintf("allows at most %d windows (lifetime / interval)", maxRunWindows))
	}
	if run.Delay.Duration < 0 || run.Delay.Duration > time.Hour {
		v.Add("delay", "must be between 0s and 1h")
	}
	if b := beginAfter; b.Duration < 0 || b.Duration > 24*time.Hour {
		v.Add("begin_after", "must be between 0s and 24h")
	}
	if req.Start != nil && req.BeginAfter != nil {
		v.Add("start", "send either start or begin_after, not both")
	}
	if req.Start != nil && (req.Start.IsZero() || req.Start.After(run.CreatedAt.Add(24*time.Hour))) {
		v.Add("start", "must be a time (RFC 3339) at most 24h from now")
	}
}

// duration parses an optional Go duration string, naming field when bad.
func duration(v *judge.ValidationError, field string, s *string, def time.Duration) judge.Duration {
	if s == nil {
		return judge.D(def)
	}
	d, err := time.ParseDuration(*s)
	if err != nil {
		v.Add(field, `must be a duration such as "5m"`)
	}
	return judge.D(d)
}

func newRunID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "run_" + hex.EncodeToString(b[:])
}
