package flagger

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// key is the release a payload is about.
type key struct{ service, target, version string }

// keyOf maps a payload onto a service, target and version, listing every
// problem.
func keyOf(hook string, p Payload) (key, error) {
	v := &judge.ValidationError{}
	if !slices.Contains(Hooks, hook) {
		v.Add("hook", "must be one of "+fmt.Sprint(Hooks))
	}
	k := key{service: p.Metadata["service"], target: p.Metadata["target"], version: p.Checksum}
	if k.service == "" {
		k.service = p.Name
	}
	if k.target == "" {
		k.target = p.Namespace
	}
	if !store.ValidName(k.service) {
		v.Add("name", "the service (metadata.service, else the canary's name) must be "+store.NameRule)
	}
	if !store.ValidName(k.target) {
		v.Add("namespace", "the target (metadata.target, else the namespace) must be "+store.NameRule)
	}
	if k.version == "" {
		v.Add("checksum", "required: Flagger's checksum of the canary names the version")
	}
	return k, v.Err()
}

// answer runs one hook.
func (h *Handler) answer(ctx context.Context, hook string, k key, p Payload, actor string) (Answer, error) {
	a := Answer{Hook: hook, Service: k.service, Target: k.target, Version: k.version}
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
			" on "+k.target+"; it must end (promoted or rolled back) before version "+k.version+" is judged"), nil
	}
	if err != nil {
		return a, err
	}
	a.ReleaseID, a.State = rel.ID, rel.State
	if hook == "pre-rollout" {
		return yes(a, "release "+rel.ID+" is "+string(rel.State)), nil
	}
	d, err := h.decision(ctx, rel)
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
func (h *Handler) confirmRollout(ctx context.Context, a Answer, k key) (Answer, error) {
	if _, err := h.Store.GetPolicy(ctx, k.service); errors.Is(err, store.ErrNotFound) {
		return no(a, "service "+k.service+" has no policy; PUT /v1/services/"+k.service+"/policy first"), nil
	} else if err != nil {
		return a, err
	}
	fs, err := h.Store.ListFreezes(ctx, h.Env.Now())
	if err != nil {
		return a, err
	}
	for _, f := range fs {
		if f.Scope == "global" || f.Scope == "service:"+k.service {
			return no(a, "frozen ("+f.Scope+"): "+f.Reason), nil
		}
	}
	rel, err := h.active(ctx, k)
	if err != nil {
		return a, err
	}
	if rel != nil && rel.Version != k.version {
		a.ReleaseID, a.State = rel.ID, rel.State
		return no(a, "release "+rel.ID+" of version "+rel.Version+" is still "+string(rel.State)+" on "+k.target), nil
	}
	return yes(a, "no freeze, a policy, and no other active release"), nil
}

// decision is the release's latest decision ("wait, no analysis yet" when none).
func (h *Handler) decision(ctx context.Context, rel store.Release) (judge.Decision, error) {
	rec, err := h.Store.LatestDecision(ctx, rel.ID)
	if errors.Is(err, store.ErrNotFound) {
		return judge.Decision{Action: judge.ActionWait, Reason: judge.ReasonBakeIncomplete, State: rel.State, Message: "no analysis yet"}, nil
	}
	return rec.Decision, err
}

// active is the service's active release on the target, nil if none.
func (h *Handler) active(ctx context.Context, k key) (*store.Release, error) {
	for _, st := range []judge.State{judge.StateBaking, judge.StateRollingBack, judge.StateHalted} {
		rs, err := h.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.service, Target: k.target, State: st, Limit: 1})
		if err != nil || len(rs) > 0 {
			if len(rs) > 0 {
				return &rs[0], err
			}
			return nil, err
		}
	}
	return nil, nil
}

// latest is the newest release of this version on the target, nil if none.
func (h *Handler) latest(ctx context.Context, k key) (*store.Release, error) {
	rs, err := h.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.service, Target: k.target, Limit: 20})
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Version == k.version {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// ensure returns the release of this version, creating it if there is
// none. Two replicas creating at once: one wins, the other reads it.
func (h *Handler) ensure(ctx context.Context, k key, actor string) (store.Release, error) {
	if rel, err := h.latest(ctx, k); err != nil || rel != nil {
		if rel == nil {
			return store.Release{}, err
		}
		return *rel, err
	}
	base, err := h.baseline(ctx, k)
	if err != nil {
		return store.Release{}, err
	}
	rel, _, err := h.Engine.CreateRelease(ctx, engine.CreateReleaseRequest{Service: k.service, Target: k.target,
		Version: k.version, BaselineVersion: base}, actor, nil)
	var active *store.ActiveReleaseError
	if errors.As(err, &active) && active.Active.Version == k.version {
		return active.Active, nil
	}
	return rel, err
}

// baseline is the version last promoted on the target, "primary" if none.
func (h *Handler) baseline(ctx context.Context, k key) (string, error) {
	rs, err := h.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.service, Target: k.target, State: judge.StatePromoted, Limit: 1})
	if err != nil {
		return "", err
	}
	if len(rs) == 1 && rs[0].Version != k.version {
		return rs[0].Version, nil
	}
	return "primary", nil
}
