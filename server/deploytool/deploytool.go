// Package deploytool is what the deploy tools' protocols (server/flagger,
// server/spinnaker) share: finding or starting the release a tool's call
// is about, its latest decision, and the freeze over its service. A tool
// names a release by service, target and version; it never knows
// canaryjudge's release ids.
package deploytool

import (
	"context"
	"errors"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Engine is what the tools need of the decision engine.
type Engine interface {
	CreateRelease(ctx context.Context, req engine.CreateReleaseRequest, actor string, idem *store.Idem) (store.Release, *store.StoredResponse, error)
	Event(ctx context.Context, releaseID string, req engine.EventRequest, actor string, idem *store.Idem) (engine.Outcome, error)
}

// Store is what they read.
type Store interface {
	GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error)
	ListReleases(ctx context.Context, q store.ReleaseQuery) ([]store.Release, error)
	LatestDecision(ctx context.Context, releaseID string) (store.DecisionRecord, error)
	ListFreezes(ctx context.Context, now time.Time) ([]judge.Freeze, error)
	ListRuns(ctx context.Context, q store.RunQuery) ([]store.Run, error)
	CancelRun(ctx context.Context, id, reason string, now time.Time, audit store.AuditEntry) (store.Run, error)
}

// Key names a release the way a deploy tool does.
type Key struct{ Service, Target, Version string }

// Releases finds and starts releases for a tool.
type Releases struct {
	Engine Engine
	Store  Store
}

// Latest is the newest release of k's version on its target, nil if none
// (among the target's 20 newest releases).
func (x Releases) Latest(ctx context.Context, k Key) (*store.Release, error) {
	rs, err := x.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.Service, Target: k.Target, Limit: 20})
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Version == k.Version {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// Active is the service's active release on k's target, nil if none.
func (x Releases) Active(ctx context.Context, k Key) (*store.Release, error) {
	for _, st := range []judge.State{judge.StateBaking, judge.StateRollingBack, judge.StateHalted} {
		rs, err := x.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.Service, Target: k.Target, State: st, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(rs) > 0 {
			return &rs[0], nil
		}
	}
	return nil, nil
}

// Ensure returns the release of k's version, creating it over baseline if
// there is none. When two replicas create at once, one wins and the other
// returns the winner's release. Another version active on the target is
// a *store.ActiveReleaseError.
func (x Releases) Ensure(ctx context.Context, k Key, baseline, actor string) (store.Release, error) {
	rel, err := x.Latest(ctx, k)
	if err != nil || rel != nil {
		if rel == nil {
			return store.Release{}, err
		}
		return *rel, nil
	}
	created, _, err := x.Engine.CreateRelease(ctx, engine.CreateReleaseRequest{Service: k.Service, Target: k.Target,
		Version: k.Version, BaselineVersion: baseline}, actor, nil)
	var active *store.ActiveReleaseError
	if errors.As(err, &active) && active.Active.Version == k.Version {
		return active.Active, nil
	}
	return created, err
}

// LastPromoted is the version last promoted on k's target, "" if none.
func (x Releases) LastPromoted(ctx context.Context, k Key) (string, error) {
	rs, err := x.Store.ListReleases(ctx, store.ReleaseQuery{Service: k.Service, Target: k.Target, State: judge.StatePromoted, Limit: 1})
	if err != nil || len(rs) == 0 {
		return "", err
	}
	return rs[0].Version, nil
}

// Decision is the release's latest decision ("wait, no analysis yet" when
// it has none).
func (x Releases) Decision(ctx context.Context, rel store.Release) (judge.Decision, error) {
	rec, err := x.Store.LatestDecision(ctx, rel.ID)
	if errors.Is(err, store.ErrNotFound) {
		return judge.Decision{Action: judge.ActionWait, Reason: judge.ReasonBakeIncomplete, State: rel.State, Message: "no analysis yet"}, nil
	}
	return rec.Decision, err
}

// Frozen is the freeze in force over service (global first), nil if none.
func (x Releases) Frozen(ctx context.Context, service string, now time.Time) (*judge.Freeze, error) {
	fs, err := x.Store.ListFreezes(ctx, now)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if f.Scope == "global" || f.Scope == "service:"+service {
			return &f, nil
		}
	}
	return nil, nil
}

// HasPolicy reports whether the service has a policy.
func (x Releases) HasPolicy(ctx context.Context, service string) (bool, error) {
	_, err := x.Store.GetPolicy(ctx, service)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}

// Report applies a tool's report to the release, acknowledging one the
// state machine does not allow in the release's state (a repeat, or a
// report that comes too late) with that error's text instead of failing.
func (x Releases) Report(ctx context.Context, rel store.Release, ev judge.Event, detail, actor string) (engine.Outcome, string, error) {
	out, err := x.Engine.Event(ctx, rel.ID, engine.EventRequest{Type: ev, Detail: detail}, actor, nil)
	var tr *judge.ErrTransition
	if errors.As(err, &tr) {
		return engine.Outcome{Release: rel}, err.Error(), nil
	}
	return out, "", err
}
