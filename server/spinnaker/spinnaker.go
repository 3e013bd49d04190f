// Package spinnaker is a deployment monitor for Spinnaker's monitored
// deploy strategy (orca's DeploymentMonitorService): orca POSTs to
// {baseUrl}/deployment/starting, /evaluateHealth and /completed, with
// baseUrl = http://canaryjudge:8080/spinnaker/v1.
//
//	starting        starts the release of newServerGroup over oldServerGroup;
//	                abort when the service has no policy or is frozen
//	evaluateHealth  the release's decision: promote → complete, rollback → abort,
//	                escalate → wait (the decision paged a human; the reason is shown),
//	                wait → continue when the latest window passed, else wait
//	completed       records the outcome: success → promoted; failure with a
//	                successful rollback → rollback_completed, a failed one → rollback_failed
//
// The service is parameters.service (else the application), the target
// parameters.target (else the region, else "default").
package spinnaker

import (
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

// Response is orca's EvaluateHealthResponse, plus what canaryjudge adds
// (orca ignores fields it does not know).
type Response struct {
	NextStep      Step           `json:"nextStep"`
	StatusReasons []StatusReason `json:"statusReasons"`
	ReleaseID     string         `json:"releaseId,omitempty"`
	Action        judge.Action   `json:"action,omitempty"`
	Reason        judge.Reason   `json:"reason,omitempty"`
	State         judge.State    `json:"state,omitempty"`
}

// Step is orca's DeploymentStep.
type Step struct {
	Directive string `json:"directive"` // continue | complete | wait | abort
}

// StatusReason is shown in Spinnaker's UI.
type StatusReason struct {
	Message        string           `json:"message"`
	AdditionalData []AdditionalData `json:"additionalData,omitempty"`
}

// AdditionalData is one key/text(/link) line of a status reason.
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

func respond(w http.ResponseWriter, directive, msg string, rel *store.Release, d *judge.Decision) error {
	out := Response{NextStep: Step{Directive: directive}, StatusReasons: []StatusReason{{Message: msg}}}
	if rel != nil {
		out.ReleaseID, out.State = rel.ID, rel.State
		out.StatusReasons[0].AdditionalData = []AdditionalData{{Key: "canaryjudge release", Text: rel.ID, Link: "/v1/releases/" + rel.ID}}
	}
	if d != nil {
		out.Action, out.Reason, out.State = d.Action, d.Reason, d.State
		out.StatusReasons[0].AdditionalData = append(out.StatusReasons[0].AdditionalData,
			AdditionalData{Key: "decision", Text: string(d.Action) + " (" + string(d.Reason) + ")"})
	}
	return wire.WriteJSON(w, http.StatusOK, out)
}
