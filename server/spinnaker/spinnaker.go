// Package spinnaker is a deployment monitor for Spinnaker's monitored
// deploy strategy (orca's DeploymentMonitorService): orca POSTs to
// {baseUrl}/deployment/starting, /evaluateHealth and /completed, with
// baseUrl = http://canaryjudge:8080/spinnaker/v1.
//
//	starting        starts the release of newServerGroup over oldServerGroup;
//	                abort when the service has no policy, is frozen, or another
//	                version is still active on the target
//	evaluateHealth  the release's decision: promote → complete, rollback → abort,
//	                escalate → wait (the decision paged a human; the reason is shown),
//	                wait → continue when the latest window passed, else wait
//	completed       records the outcome: success → promoted; a failed deploy ends
//	                its release (rolled back, or halted when a rollback failed or
//	                was ordered and not performed)
//
// Every answer's statusReason is what Deck shows: message, the decision's
// numbers as logSummary, absolute links as additionalData. The service is
// parameters.service (else the application), the target parameters.target
// (else the region, else "default").
//
// It also serves the webhook stage's cancelEndpoint,
// POST /spinnaker/v1/releases/{id}/cancel (webhook.go).
package spinnaker

import (
	"fmt"
	"net/http"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// Request is orca's RequestBase with the fields of EvaluateHealthRequest
// and DeploymentCompletedRequest.
type Request struct {
	Application     string         `json:"application"`
	ExecutionID     string         `json:"executionId"`
	StageID         string         `json:"stageId"`
	DeploymentID    string         `json:"deploymentId"`
	OldServerGroup  string         `json:"oldServerGroup"`
	NewServerGroup  string         `json:"newServerGroup"`
	Account         string         `json:"account"`
	Region          string         `json:"region"`
	CloudProvider   string         `json:"cloudProvider"`
	Parameters      map[string]any `json:"parameters"`
	NewInstances    []string       `json:"newInstances"`
	CurrentProgress int            `json:"currentProgress"`
	Status          string         `json:"status"`   // completed: success | failure | not_performed
	Rollback        string         `json:"rollback"` // completed: the rollback's status
}

// Response is orca's EvaluateHealthResponse (nextStep, statusReason),
// plus what canaryjudge adds (orca ignores fields it does not know). orca
// keeps statusReason as the stage's deploymentMonitorReasons.reason, and
// Deck's DeploymentMonitorExecutionDetails shows its message, logSummary
// and additionalData (links open in a new tab: they are absolute).
type Response struct {
	NextStep     Step         `json:"nextStep"`
	StatusReason StatusReason `json:"statusReason"`
	ReleaseID    string       `json:"releaseId,omitempty"`
	Action       judge.Action `json:"action,omitempty"`
	Reason       judge.Reason `json:"reason,omitempty"`
	State        judge.State  `json:"state,omitempty"`
}

// Step is orca's DeploymentStep.
type Step struct {
	Directive string `json:"directive"` // continue | complete | wait | abort
}

// StatusReason is orca's StatusReason: exactly its three fields (orca's
// class accepts no others).
type StatusReason struct {
	Message        string           `json:"message"`
	LogSummary     []string         `json:"logSummary"`
	AdditionalData []AdditionalData `json:"additionalData"`
}

// AdditionalData is orca's StatusAdditionalData: one key/text/link line.
type AdditionalData struct {
	Key  string `json:"key"`
	Text string `json:"text"`
	Link string `json:"link,omitempty"`
}

// Directives.
const (
	Continue = "continue"
	Complete = "complete"
	Wait     = "wait"
	Abort    = "abort"
)

// Handler serves the monitor.
type Handler struct {
	Releases deploytool.Releases
	Env      wire.Env
}

// respond answers with a directive and its reason: the message, the
// decision's numbers as log lines, and links to the release.
func (h *Handler) respond(w http.ResponseWriter, r *http.Request, directive, msg string, rel *store.Release, d *judge.Decision) error {
	out := Response{NextStep: Step{Directive: directive},
		StatusReason: StatusReason{Message: msg, LogSummary: []string{}, AdditionalData: []AdditionalData{}}}
	if rel != nil {
		out.ReleaseID, out.State = rel.ID, rel.State
		out.StatusReason.AdditionalData = append(out.StatusReason.AdditionalData,
			AdditionalData{Key: "canaryjudge release", Text: rel.ID + " (" + rel.Version + " over " + rel.BaselineVersion + ")",
				Link: h.Env.AbsURL(r, "/ui/releases/"+rel.ID)},
			AdditionalData{Key: "decision (JSON)", Text: "GET /v1/releases/" + rel.ID + "/decision",
				Link: h.Env.AbsURL(r, "/v1/releases/"+rel.ID+"/decision")})
	}
	if d != nil {
		out.Action, out.Reason, out.State = d.Action, d.Reason, d.State
		out.StatusReason.LogSummary = logSummary(*d)
	}
	return wire.WriteJSON(w, http.StatusOK, out)
}

// logSummary is a decision's numbers, one line each.
func logSummary(d judge.Decision) []string {
	ev := d.Evidence
	out := []string{fmt.Sprintf("decision: %s (%s), release %s", d.Action, d.Reason, d.State)}
	if ev.Windows > 0 || ev.MaxWindows > 0 {
		out = append(out, fmt.Sprintf("windows judged: %d of at most %d; bake %s", ev.Windows, ev.MaxWindows, ev.BakeElapsed))
	}
	if ev.Verdict != "" {
		line := "latest window: " + string(ev.Verdict)
		if ev.Score != nil {
			line += fmt.Sprintf(", score %.2f", *ev.Score)
		}
		out = append(out, line)
	}
	for _, m := range ev.FailingMetrics {
		out = append(out, fmt.Sprintf("failing: %s (%d windows in a row)", m, ev.Streaks[m]))
	}
	for _, m := range ev.CeilingBreaches {
		out = append(out, "canary past its ceiling: "+m)
	}
	for _, m := range ev.BaselineBreaches {
		out = append(out, "baseline past its ceiling: "+m)
	}
	if ev.SourceError != "" {
		out = append(out, "source error: "+ev.SourceError)
	}
	if d.RollbackTo != "" {
		out = append(out, "roll back to "+d.RollbackTo)
	}
	return out
}
