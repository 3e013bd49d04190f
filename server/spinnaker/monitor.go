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
		return h.respond(w, r, Abort, "canaryjudge has no policy for service "+k.Service+"; PUT /v1/services/"+k.Service+"/policy first", nil, nil)
	}
	if f, err := h.Releases.Frozen(ctx, k.Service, h.Env.Now()); err != nil || f != nil {
		if err != nil {
			return err
		}
		return h.respond(w, r, Abort, "deploys of "+k.Service+" are frozen ("+f.Scope+"): "+f.Reason, nil, nil)
	}
	if req.OldServerGroup == "" || req.OldServerGroup == req.NewServerGroup {
		return h.respond(w, r, Continue, "no previous server group to compare with: canaryjudge does not judge a first deploy", nil, nil)
	}
	rel, err := h.Releases.Ensure(ctx, k, req.OldServerGroup, h.Env.Actor(ctx))
	var active *store.ActiveReleaseError
	if errors.As(err, &active) {
		return h.respond(w, r, Abort, fmt.Sprintf("release %s of %s is still %s on %s; it must end first",
			active.Active.ID, active.Active.Version, active.Active.State, k.Target), &active.Active, nil)
	}
	if err != nil {
		return err
	}
	return h.respond(w, r, Continue, "release "+rel.ID+" is "+string(rel.State)+": "+k.Version+" over "+rel.BaselineVersion, &rel, nil)
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
		return h.respond(w, r, Continue, "no release of "+k.Version+" (a first deploy, or one canaryjudge was not told of): not judged", nil, nil)
	}
	d, err := h.Releases.Decision(ctx, *rel)
	if err != nil {
		return err
	}
	dir, msg := directive(d)
	return h.respond(w, r, dir, msg, rel, &d)
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
// the answer; the outcome is recorded). A failed deploy ends its release,
// so the next deploy's starting is not refused: rolled back when orca
// rolled back, or performed no rollback while the release was baking (the
// deploy ended without the new version being promoted); halted and paged
// when a rollback failed, or when canaryjudge had ordered one and orca did
// not perform it (failureActions.rollback is not Automatic).
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
		return h.respond(w, r, Continue, "no release of "+k.Version+"; nothing recorded", nil, nil)
	}
	evs := completedEvents(req, rel.State)
	if len(evs) == 0 {
		msg := fmt.Sprintf("status %q (rollback %q) noted; release stays %s", req.Status, req.Rollback, rel.State)
		if rel.State == judge.StateHalted {
			msg += "; a human resolves it: POST /v1/releases/" + rel.ID + "/override"
		}
		return h.respond(w, r, Continue, msg, rel, nil)
	}
	detail := fmt.Sprintf("spinnaker deployment %s: status %s, rollback %s", req.DeploymentID, req.Status, orNone(req.Rollback))
	cur := *rel
	var d *judge.Decision
	for _, ev := range evs {
		out, refused, err := h.Releases.Report(ctx, cur, ev, detail, h.Env.Actor(ctx))
		if err != nil {
			return err
		}
		if refused != "" { // the release moved meanwhile (another replica, an operator)
			return h.respond(w, r, Continue, "noted; "+refused, &cur, d)
		}
		cur, d = out.Release, &out.Decision
	}
	return h.respond(w, r, Continue, "recorded "+detail+": "+d.Message, &cur, d)
}

// completedEvents are the release events a completed deployment reports,
// in order.
func completedEvents(req Request, st judge.State) []judge.Event {
	if req.Status == "success" {
		return []judge.Event{judge.EventPromoted}
	}
	if req.Status != "failure" || (st != judge.StateBaking && st != judge.StateRollingBack) {
		return nil
	}
	switch {
	case req.Rollback == "success":
		return []judge.Event{judge.EventRollbackCompleted}
	case req.Rollback == "failure" && st == judge.StateBaking:
		return []judge.Event{judge.EventRollbackStarted, judge.EventRollbackFailed}
	case req.Rollback == "failure":
		return []judge.Event{judge.EventRollbackFailed}
	case st == judge.StateBaking: // not_performed: the deploy failed before or without a rollback
		return []judge.Event{judge.EventRollbackCompleted}
	default: // canaryjudge ordered the rollback orca did not perform
		return []judge.Event{judge.EventRollbackFailed}
	}
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
