package spinnaker

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/store"
)

// read decodes orca's request (tolerantly: orca adds fields over time) and
// maps it onto a release key.
func (h *Handler) read(r *http.Request) (Request, deploytool.Key, error) {
	var req Request
	if err := h.Env.Decode(r, &req); err != nil {
		return req, deploytool.Key{}, err
	}
	v := &judge.ValidationError{}
	k := deploytool.Key{Service: param(req.Parameters, "service"), Target: param(req.Parameters, "target"), Version: req.NewServerGroup}
	if k.Service == "" {
		k.Service = req.Application
	}
	if k.Target == "" && store.ValidName(req.Region) {
		k.Target = req.Region
	}
	if k.Target == "" {
		k.Target = "default"
	}
	if !store.ValidName(k.Service) {
		v.Add("application", "the service (parameters.service, else the application) must be "+store.NameRule)
	}
	if !store.ValidName(k.Target) {
		v.Add("parameters.target", "must be "+store.NameRule)
	}
	if k.Version == "" {
		v.Add("newServerGroup", "required: the new server group is the release's version")
	}
	if err := v.Err(); err != nil {
		return req, k, err
	}
	return req, k, h.Env.Allow(r, k.Service)
}

func param(ps map[string]any, k string) string {
	s, _ := ps[k].(string)
	return s
}

// Starting answers POST /spinnaker/v1/deployment/starting.
func (h *Handler) Starting(w http.ResponseWriter, r *http.Request) error {
	req, k, err := h.read(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if ok, err := h.Releases.HasPolicy(ctx, k.Service); err != nil || !ok {
		if err != nil {
			return err
		}
		return respond(w, Abort, "canaryjudge has no policy for service "+k.Service+"; PUT /v1/services/"+k.Service+"/policy first", nil, nil)
	}
	if f, err := h.Releases.Frozen(ctx, k.Service, h.Env.Now()); err != nil || f != nil {
		if err != nil {
			return err
		}
		return respond(w, Abort, "deploys of "+k.Service+" are frozen ("+f.Scope+"): "+f.Reason, nil, nil)
	}
	if req.OldServerGroup == "" || req.OldServerGroup == req.NewServerGroup {
		return respond(w, Continue, "no previous server group to compare with: canaryjudge does not judge a first deploy", nil, nil)
	}
	rel, err := h.Releases.Ensure(ctx, k, req.OldServerGroup, h.Env.Actor(ctx))
	var active *store.ActiveReleaseError
	if errors.As(err, &active) {
		return respond(w, Abort, fmt.Sprintf("release %s of %s is still %s on %s; it must end first",
			active.Active.ID, active.Active.Version, active.Active.State, k.Target), &active.Active, nil)
	}
	if err != nil {
		return err
	}
	return respond(w, Continue, "release "+rel.ID+" is "+string(rel.State)+": "+k.Version+" over "+rel.BaselineVersion, &rel, nil)
}

// EvaluateHealth answers POST /spinnaker/v1/deployment/evaluateHealth.
func (h *Handler) EvaluateHealth(w http.ResponseWriter, r *http.Request) error {
	_, k, err := h.read(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rel, err := h.Releases.Latest(ctx, k)
	if err != nil {
		return err
	}
	if rel == nil {
		return respond(w, Continue, "no release of "+k.Version+" (a first deploy, or one canaryjudge was not told of): not judged", nil, nil)
	}
	d, err := h.Releases.Decision(ctx, *rel)
	if err != nil {
		return err
	}
	dir, msg := directive(d)
	return respond(w, dir, msg, rel, &d)
}

// directive maps a decision onto orca's next step.
func directive(d judge.Decision) (string, string) {
	why := string(d.Action) + " (" + string(d.Reason) + "): " + d.Message
	switch d.Action {
	case judge.ActionPromote:
		return Complete, why
	case judge.ActionRollback:
		return Abort, why
	case judge.ActionEscalate:
		return Wait, "a human must decide; canaryjudge paged the on-call. " + why
	}
	if d.Evidence.Verdict == judge.VerdictPass {
		return Continue, why
	}
	return Wait, why
}

// Completed answers POST /spinnaker/v1/deployment/completed (orca ignores
// the answer; the outcome is recorded).
func (h *Handler) Completed(w http.ResponseWriter, r *http.Request) error {
	req, k, err := h.read(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	rel, err := h.Releases.Latest(ctx, k)
	if err != nil || rel == nil {
		if err != nil {
			return err
		}
		return respond(w, Continue, "no release of "+k.Version+"; nothing recorded", nil, nil)
	}
	ev, ok := completedEvent(req, rel.State)
	if !ok {
		return respond(w, Continue, fmt.Sprintf("status %q (rollback %q) noted; release stays %s", req.Status, req.Rollback, rel.State), rel, nil)
	}
	out, refused, err := h.Releases.Report(ctx, *rel, ev, "spinnaker deployment "+req.DeploymentID+": "+req.Status, h.Env.Actor(ctx))
	if err != nil {
		return err
	}
	if refused != "" {
		return respond(w, Continue, "noted; "+refused, rel, nil)
	}
	return respond(w, Continue, "recorded "+string(ev)+": "+out.Decision.Message, &out.Release, &out.Decision)
}

// completedEvent is the release event a completed deployment reports.
func completedEvent(req Request, st judge.State) (judge.Event, bool) {
	switch {
	case req.Status == "success":
		return judge.EventPromoted, true
	case req.Status == "failure" && st == judge.StateRollingBack && req.Rollback == "success":
		return judge.EventRollbackCompleted, true
	case req.Status == "failure" && st == judge.StateRollingBack && req.Rollback == "failure":
		return judge.EventRollbackFailed, true
	}
	return "", false
}
