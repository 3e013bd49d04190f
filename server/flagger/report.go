package flagger

import (
	"context"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
)

// Flagger's canary phases that end a rollout.
const (
	PhaseSucceeded = "Succeeded"
	PhaseFailed    = "Failed"
)

// report applies what post-rollout and event hooks tell: a Succeeded canary
// was promoted, a Failed one was rolled back (Flagger routes all traffic
// back to the primary). Reports are always acknowledged (yes): Flagger
// does not act on their answer, and repeats of an event change nothing.
func (h *Handler) report(ctx context.Context, a Answer, k deploytool.Key, phase, actor string) (Answer, error) {
	rel, err := h.Releases.Latest(ctx, k)
	if err != nil {
		return a, err
	}
	if rel == nil {
		return yes(a, "no release of this version; nothing recorded"), nil
	}
	a.ReleaseID, a.State = rel.ID, rel.State
	var ev judge.Event
	switch {
	case phase == PhaseSucceeded:
		ev = judge.EventPromoted
	case phase == PhaseFailed:
		// From baking too: Flagger failed the canary on its own checks and
		// rolled it back; the release records rolled_back_by_tool.
		ev = judge.EventRollbackCompleted
	default:
		return yes(a, "phase "+phase+" noted; nothing to record"), nil
	}
	out, refused, err := h.Releases.Report(ctx, *rel, ev, "flagger "+a.Hook+": phase "+phase, actor)
	if err != nil {
		return a, err
	}
	if refused != "" {
		return yes(a, "phase "+phase+" noted; "+refused), nil
	}
	a.State, a.Action, a.Reason = out.Release.State, out.Decision.Action, out.Decision.Reason
	return yes(a, "recorded "+string(ev)+": "+out.Decision.Message), nil
}
