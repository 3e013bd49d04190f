package engine

import (
	"bytes"
	"context"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// running is the release's running evidence before the window being
// judged: as stored with its last analysis, or rebuilt from every stored
// window when there is none (a release from before the store kept it) or
// it was built under another policy version (the new policy may judge the
// windows' summaries differently) or cannot be read (an older encoding);
// and the extremes as stored (nil when none), for saveRunning.
func running(ctx context.Context, tx store.ReleaseTx, p judge.Policy, version int) (judge.Running, []byte, error) {
	ev, err := tx.Evidence(ctx)
	if err != nil {
		return judge.Running{}, nil, err
	}
	var stored []byte
	if ev != nil {
		stored = ev.Extremes
		if ev.PolicyVersion == version {
			b := judge.StateBytes{Sums: ev.State, Extremes: ev.Extremes}
			if r, err := judge.UnmarshalState(b); err == nil && r.PolicyVersion == version {
				return r, stored, nil
			}
		}
	}
	r, err := rebuilt(ctx, tx, p, version)
	return r, stored, err
}

// rebuilt folds every stored window of the release into its running
// evidence.
func rebuilt(ctx context.Context, tx store.ReleaseTx, p judge.Policy, version int) (judge.Running, error) {
	hist, err := tx.Windows(ctx, 0)
	if err != nil {
		return judge.Running{}, err
	}
	return judge.NewRunning(p, version, hist), nil
}

// saveRunning keeps r as the release's running evidence. Its extremes are
// sent only when they differ from stored (the release's as read before):
// most windows set no new extreme, and the store then keeps its copy.
func saveRunning(ctx context.Context, tx store.ReleaseTx, r judge.Running, stored []byte) error {
	b, err := r.MarshalState()
	if err != nil {
		return err
	}
	ext := b.Extremes
	if stored != nil && bytes.Equal(stored, ext) {
		ext = nil
	}
	return tx.SaveEvidence(ctx, store.Evidence{PolicyVersion: r.PolicyVersion, Windows: r.Windows, State: b.Sums, Extremes: ext})
}

// EvidenceCheck is what RebuildEvidence found for one release.
type EvidenceCheck struct {
	Release string `json:"release"`
	Windows int    `json:"windows"` // folded (0 when finished)
	// Status: "same" (the stored evidence is exactly the rebuilt one),
	// "rebuilt" (it differed or was missing, and was written), "differs"
	// (it differed or was missing; check only), "none" (no analysis yet),
	// "finished" (the release has ended and keeps no evidence; rebuild
	// drops any it still has, from before ended releases dropped theirs).
	Status string `json:"status"`
}

// RebuildEvidence folds the release's stored windows into its running
// evidence under its service's current policy and compares the result
// with the stored evidence; with write it replaces the stored evidence
// when they differ.
func (e *Engine) RebuildEvidence(ctx context.Context, releaseID string, write bool) (EvidenceCheck, error) {
	out := EvidenceCheck{Release: releaseID}
	err := e.st.InRelease(ctx, releaseID, func(tx store.ReleaseTx) error {
		if tx.Release().State.Terminal() { // nothing to fold: it takes no more windows
			out.Status = "finished"
			if write {
				return tx.DropEvidence(ctx)
			}
			return nil
		}
		pol, err := tx.Policy(ctx)
		if err != nil {
			return err
		}
		r, err := rebuilt(ctx, tx, pol.Policy, pol.Version)
		if err != nil {
			return err
		}
		out.Windows = r.Windows
		if r.Windows == 0 {
			out.Status = "none"
			return nil
		}
		want, err := r.MarshalState()
		if err != nil {
			return err
		}
		have, err := tx.Evidence(ctx)
		if err != nil {
			return err
		}
		switch {
		case have != nil && have.PolicyVersion == pol.Version && want.Equal(judge.StateBytes{Sums: have.State, Extremes: have.Extremes}):
			out.Status = "same"
		case !write:
			out.Status = "differs"
		default:
			out.Status = "rebuilt"
			return saveRunning(ctx, tx, r, nil)
		}
		return nil
	})
	return out, err
}
