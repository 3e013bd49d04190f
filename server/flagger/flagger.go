// Package flagger answers Flagger's webhooks (https://docs.flagger.app,
// "Webhooks"): Flagger POSTs {name, namespace, phase, checksum, metadata}
// and reads any 2xx (Flagger: up to 202) as yes, anything else as no. Each
// hook is a question about one release of a service:
//
//	confirm-rollout           may this canary start? no while the service is frozen,
//	                          has no policy, or another release is active on the target
//	pre-rollout               starts the release (idempotent): yes once it exists; with
//	                          metadata.source, also a scheduled run pulling its windows
//	rollout                   no when the decision is rollback (Flagger counts a failed
//	                          check and rolls back past its threshold); yes otherwise
//	confirm-traffic-increase  yes only while the decision lets the canary go on
//	                          (no on escalate and rollback: a human or a rollback is due)
//	confirm-promotion         yes only when the decision is promote
//	rollback                  yes when the decision is rollback (Flagger rolls back now)
//	post-rollout, event       reports: Succeeded → promoted, Failed → rollback_completed
//
// The service is metadata.service (default: the canary's name), the target
// metadata.target (default: the namespace), the version Flagger's checksum
// of the canary spec, and the baseline the version last promoted on that
// target ("primary" before any).
package flagger

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/server/wire"
)

// Handler serves the hooks.
type Handler struct {
	Releases deploytool.Releases
	Env      wire.Env
	// StartRun schedules a run of a release (nil: pre-rollout starts none);
	// it returns "" when the release has a running run already.
	StartRun func(r *http.Request, releaseID string, spec deploytool.RunSpec) (string, error)
}

// Hooks are the webhook types served, in Flagger's names.
var Hooks = []string{"confirm-rollout", "pre-rollout", "rollout", "confirm-traffic-increase",
	"confirm-promotion", "rollback", "post-rollout", "event"}

// Payload is what Flagger sends (CanaryWebhookPayload).
type Payload struct {
	Name      string            `json:"name"`
	Namespace string            `json:"namespace"`
	Phase     string            `json:"phase"`
	Checksum  string            `json:"checksum"`
	Metadata  map[string]string `json:"metadata"`
}

// Answer is the body of every reply; Status 200 is yes, 412 is no.
type Answer struct {
	Answer    string       `json:"answer"` // yes | no
	Hook      string       `json:"hook"`
	Service   string       `json:"service"`
	Target    string       `json:"target"`
	Version   string       `json:"version"`
	ReleaseID string       `json:"release_id,omitempty"`
	State     judge.State  `json:"state,omitempty"`
	Action    judge.Action `json:"action,omitempty"`
	Reason    judge.Reason `json:"reason,omitempty"`
	Message   string       `json:"message"`
}

// Serve answers POST /flagger/{hook}.
func (h *Handler) Serve(w http.ResponseWriter, r *http.Request) error {
	hook := chi.URLParam(r, "hook")
	var p Payload
	// Tolerant of fields a newer Flagger may add: a 400 here would read as
	// "no" and could roll back a healthy canary.
	if err := h.Env.Decode(r, &p); err != nil {
		return err
	}
	k, err := keyOf(hook, p)
	if err != nil {
		return err
	}
	if err := h.Env.Allow(r, k.Service); err != nil {
		return err
	}
	a, err := h.answer(r, hook, k, p)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if a.Answer != "yes" {
		status = http.StatusPreconditionFailed
	}
	return wire.WriteJSON(w, status, a)
}
