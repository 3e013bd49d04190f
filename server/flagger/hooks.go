package flagger

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/store"
)

// keyOf maps a payload onto a service, target and version, listing every
// problem.
func keyOf(hook string, p Payload) (deploytool.Key, error) {
	v := &judge.ValidationError{}
	if !slices.Contains(Hooks, hook) {
		v.Add("hook", "must be one of "+fmt.Sprint(Hooks))
	}
	k := deploytool.Key{Service: p.Metadata["service"], Target: p.Metadata["target"], Version: p.Checksum}
	if k.Service == "" {
		k.Service = p.Name
	}
	if k.Target == "" {
		k.Target = p.Namespace
	}
	if !store.ValidName(k.Service) {
		v.Add("name", "the service (metadata.service, else the canary's name) must be "+store.NameRule)
	}
	if !store.ValidName(k.Target) {
		v.Add("namespace", "the target (metadata.target, else the namespace) must be "+store.NameRule)
	}
	if k.Version == "" {
		v.Add("checksum", "required: Flagger's checksum of the canary names the version")
	}
	return k, v.Err()
}

// answer runs one hook.
func (h *Handler) answer(r *http.Request, hook string, k deploytool.Key, p Payload) (Answer, error) {
	ctx, actor := r.Context(), h.Env.Actor(r.Context())
	a := Answer{Hook: hook, Service: k.Service, Target: k.Target, Version: k.Version}
	switch hook {
	case "confirm-rollout":
		return h.confirmRollout(ctx, a, k)
	case "post-rollout", "event":
		return h.report(ctx, a, k, p.Phase, actor)
	}
	rel, err := h.ensure(ctx, k, actor)
	var active *store.ActiveReleaseError
	if errors.As(err, &active) {
		return no(a, "release "+active.Active.ID+" of version "+active.Active.Version+" is still "+string(active.Active.State)+
			" on "+k.Target+"; it must end (promoted or rolled back) before version "+k.Version+" is judged"), nil
	}
	if err != nil {
		return a, err
	}
	a.ReleaseID, a.State = rel.ID, rel.State
	if hook == "pre-rollout" {
		return h.preRollout(r, a, rel, p)
	}
	d, err := h.Releases.Decision(ctx, rel)
	if err != nil {
		return a, err
	}
	a.Action, a.Reason, a.State = d.Action, d.Reason, d.State
	if gateSays(hook, d.Action) {
		return yes(a, d.Message), nil
	}
	return no(a, string(d.Action)+" ("+string(d.Reason)+"): "+d.Message), nil
}

// gateSays is the yes/no table of the gates for a decision's action.
func gateSays(hook string, act judge.Action) bool {
	switch hook {
	case "rollout":
		return act != judge.ActionRollback
	case "confirm-traffic-increase":
		return act == judge.ActionWait || act == judge.ActionPromote
	case "confirm-promotion":
		return act == judge.ActionPromote
	case "rollback":
		return act == judge.ActionRollback
	}
	return false
}

func yes(a Answer, msg string) Answer { a.Answer, a.Message = "yes", msg; return a }

func no(a Answer, msg string) Answer { a.Answer, a.Message = "no", msg; return a }

// confirmRollout says whether a rollout may start, creating nothing.
func (h *Handler) confirmRollout(ctx context.Context, a Answer, k deploytool.Key) (Answer, error) {
	if ok, err := h.Releases.HasPolicy(ctx, k.Service); err != nil || !ok {
		return no(a, "service "+k.Service+" has no policy; PUT /v1/services/"+k.Service+"/policy first"), err
	}
	if f, err := h.Releases.Frozen(ctx, k.Service, h.Env.Now()); err != nil || f != nil {
		if f == nil {
			return a, err
		}
		return no(a, "frozen ("+f.Scope+"): "+f.Reason), nil
	}
	rel, err := h.Releases.Active(ctx, k)
	if err != nil {
		return a, err
	}
	if rel != nil && rel.Version != k.Version {
		a.ReleaseID, a.State = rel.ID, rel.State
		return no(a, "release "+rel.ID+" of version "+rel.Version+" is still "+string(rel.State)+" on "+k.Target), nil
	}
	return yes(a, "no freeze, a policy, and no other active release"), nil
}

// ensure returns the release of k's version, started over the version last
// promoted on the target ("primary" before any).
func (h *Handler) ensure(ctx context.Context, k deploytool.Key, actor string) (store.Release, error) {
	// Every analysis step calls a hook; only the first needs a baseline.
	rel, err := h.Releases.Latest(ctx, k)
	if err != nil {
		return store.Release{}, err
	}
	if rel != nil {
		return *rel, nil
	}
	base, err := h.Releases.LastPromoted(ctx, k)
	if err != nil {
		return store.Release{}, err
	}
	if base == "" || base == k.Version {
		base = "primary"
	}
	return h.Releases.Ensure(ctx, k, base, actor)
}
