package engine_test

import (
	"context"
	"fmt"
	"os"
	"testing"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// The memory store keeps each release's running evidence as PostgreSQL
// does (cmd/canaryjudge's TestEvidenceRebuild): rebuilt from the stored
// windows it is byte for byte what the decisions left; a new policy
// version rebuilds it on the next analysis, and the decisions then are
// those a fresh fold under the new policy gives. A release that ends keeps
// none.
func TestEvidenceMatchesTheStoredWindows(t *testing.T) {
	ctx := context.Background()
	data, err := os.ReadFile("../judge/testdata/ratio/sequential_1m.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	p.Notify = nil
	st := memory.New()
	if _, err := st.PutPolicy(ctx, "shop", p, 0, "test", sim.T0); err != nil {
		t.Fatal(err)
	}
	clock := testclock.New(sim.T0)
	eng := engine.New(st, engine.Options{Now: clock.Now})
	for i, sc := range sim.RatioScenarios(p, sim.RatioNoise())[:8] {
		rel, _, err := eng.CreateRelease(ctx, engine.CreateReleaseRequest{Service: "shop", Target: fmt.Sprint(i), Version: "v2", BaselineVersion: "v1"}, "test", nil)
		if err != nil {
			t.Fatal(err)
		}
		var state judge.State
		gen := sim.NewRelease(p, sc, sim.ReleaseRNG(3, sim.StreamOf(sc.Name), i))
		for w := 1; w <= 12; w++ {
			if w == 7 && i%2 == 0 { // a new policy version mid-release
				q := p
				q.Alpha = 0.04
				if _, err := st.PutPolicy(ctx, "shop", q, 0, "test", clock.Now()); err != nil {
					t.Fatal(err)
				}
			}
			req := gen.Window(w)
			clock.AdvanceTo(req.Window.End)
			out, err := eng.Analyze(ctx, rel.ID, req, "test", nil)
			if err != nil {
				t.Fatal(err)
			}
			state = out.Release.State
			if out.Decision.Action != judge.ActionWait {
				break
			}
		}
		c, err := eng.RebuildEvidence(ctx, rel.ID, false)
		if err != nil || c.Status != "same" {
			t.Fatalf("%s: %+v %v", sc.Name, c, err)
		}
		// The deploy tool reports the rollback done (or did one of its own):
		// the release ends (a halted one is rolled back by an operator).
		if state == judge.StateHalted {
			if _, err := eng.Override(ctx, rel.ID, engine.OverrideRequest{Action: "rollback", Reason: "test"}, "test", nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := eng.Event(ctx, rel.ID, engine.EventRequest{Type: judge.EventRollbackCompleted}, "test", nil); err != nil {
			t.Fatal(err)
		}
		if c, err := eng.RebuildEvidence(ctx, rel.ID, false); err != nil || c.Status != "finished" {
			t.Fatalf("%s after it ended: %+v %v, want finished", sc.Name, c, err)
		}
		if err := st.InRelease(ctx, rel.ID, func(tx store.ReleaseTx) error {
			ev, err := tx.Evidence(ctx)
			if ev != nil {
				t.Errorf("%s ended with evidence kept (%d windows)", sc.Name, ev.Windows)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
}
