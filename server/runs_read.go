package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// RunView is a run as pollers read it (Spinnaker's webhook stage reads
// status: RUNNING, SUCCEEDED, TERMINAL or CANCELED).
type RunView struct {
	store.Run
	Lifetime       judge.Duration   `json:"lifetime"`
	WindowsCount   RunCount         `json:"windows"`
	Progress       string           `json:"progress"`
	LatestAnalysis *store.Analysis  `json:"latest_analysis,omitempty"`
	LatestWindow   *store.RunWindow `json:"latest_window,omitempty"`
}

// RunCount is how many windows are done of how many.
type RunCount struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// runView builds the poller's view; detail adds the latest analysis and
// window record (best effort: a failed read leaves them out).
func (s *Server) runView(r *http.Request, run store.Run, detail bool) RunView {
	v := RunView{Run: run, Lifetime: judge.D(time.Duration(run.Windows) * run.Interval.Duration),
		WindowsCount: RunCount{Done: run.Done, Total: run.Windows}}
	v.Progress = fmt.Sprintf("%d of %d windows judged", run.Done, run.Windows)
	switch {
	case run.State == store.RunRunning:
		start, end, due := run.WindowSpan(run.Done + 1)
		v.Progress += fmt.Sprintf("; next window [%s, %s) runs at %s", start.Format(time.RFC3339), end.Format(time.RFC3339), due.Format(time.RFC3339))
	case run.Reason != "":
		v.Progress += "; " + strings.ToLower(string(run.State)) + ": " + run.Reason
	}
	if run.State == store.RunRunning && run.Decision != nil {
		v.Progress += fmt.Sprintf("; last decision %s (%s)", run.Decision.Action, run.Decision.Reason)
	}
	if !detail {
		return v
	}
	if run.LatestAnalysisID != nil {
		if as, err := s.store.Analyses(r.Context(), run.ReleaseID, 1); err == nil && len(as) == 1 && as[0].ID == *run.LatestAnalysisID {
			v.LatestAnalysis = &as[0]
		}
	}
	if ws, err := s.store.RunWindows(r.Context(), run.ID); err == nil && len(ws) > 0 {
		v.LatestWindow = &ws[len(ws)-1]
	}
	return v
}

// loadRun reads {run} and enforces the caller's service restriction.
func (s *Server) loadRun(r *http.Request) (store.Run, error) {
	run, err := s.store.GetRun(r.Context(), chi.URLParam(r, "run"))
	if err != nil {
		return run, err
	}
	return run, allowService(r, run.Service)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.runView(r, run, true))
	return nil
}

// getRunWindows lists a run's windows with the queries each one asked.
func (s *Server) getRunWindows(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	ws, err := s.store.RunWindows(r.Context(), run.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"windows": ws})
	return nil
}

// deleteRun cancels a running run; a finished one is a 409 naming it.
func (s *Server) deleteRun(w http.ResponseWriter, r *http.Request) error {
	run, err := s.loadRun(r)
	if err != nil {
		return err
	}
	actor := principal(r.Context())
	c, err := s.store.CancelRun(r.Context(), run.ID, "cancelled by "+actor, s.now().UTC(),
		store.AuditEntry{Actor: actor, Action: "run:cancel", Input: mustJSON(map[string]string{"run": run.ID})})
	if err != nil && c.ID != "" {
		return &httpError{status: http.StatusConflict, slug: "run-finished", title: "The run has finished",
			detail: "run " + c.ID + " is " + string(c.State) + "; only a RUNNING run can be cancelled", current: s.runView(r, c, false)}
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.runView(r, c, false))
	return nil
}

// getRuns lists runs newest first: ?state=RUNNING, ?release=.
func (s *Server) getRuns(w http.ResponseWriter, r *http.Request) error {
	v := &judge.ValidationError{}
	qv := r.URL.Query()
	q := store.RunQuery{State: store.RunState(qv.Get("state")), ReleaseID: qv.Get("release"), Services: allowedServices(r)}
	if q.State != "" && !slices.Contains([]store.RunState{store.RunRunning, store.RunSucceeded, store.RunTerminal, store.RunCanceled}, q.State) {
		v.Add("state", "must be one of RUNNING, SUCCEEDED, TERMINAL, CANCELED")
	}
	limit := pageLimit(r, v)
	q.AfterAt, q.AfterID = afterTimeCursor(r, v)
	if err := v.Err(); err != nil {
		return err
	}
	q.Limit = limit + 1
	rows, err := s.store.ListRuns(r.Context(), q)
	if err != nil {
		return err
	}
	rows, resp := trimPage(rows, limit, func(last store.Run) string { return timeCursor(last.CreatedAt, last.ID) })
	views := make([]RunView, len(rows))
	for i, run := range rows {
		views[i] = s.runView(r, run, false)
	}
	resp["runs"] = views
	writeJSON(w, http.StatusOK, resp)
	return nil
}
