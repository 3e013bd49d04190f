package clienttest

import (
	"testing"
	"time"

	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"github.com/fluxcd/flagger/pkg/controller"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// flagger is the documented Canary with its webhooks pointed at base,
// Flagger's own webhook caller, and the release the canary maps to.
type flagger struct {
	t      *testing.T
	cj     *canaryjudgetest.Server
	canary flaggerv1.Canary
}

func newFlagger(t *testing.T, cj *canaryjudgetest.Server, base, spec string) *flagger {
	f := &flagger{t: t, cj: cj}
	manifest(t, "flagger.md", "podinfo", &f.canary, "http://canaryjudge.canaryjudge:8080/flagger/", base)
	f.canary.Status.LastAppliedSpec = spec // what Flagger's checksum hashes
	return f
}

// call runs the canary's webhook of type typ through Flagger's
// controller.CallWebhook (or CallEventWebhook for events) and reports
// whether Flagger would read the answer as yes.
func (f *flagger) call(typ flaggerv1.HookType, phase flaggerv1.CanaryPhase) bool {
	f.t.Helper()
	for _, w := range f.canary.GetAnalysis().Webhooks {
		if w.Type != typ {
			continue
		}
		if typ == flaggerv1.EventHook {
			c := f.canary.DeepCopy()
			c.Status.Phase = phase
			return controller.CallEventWebhook(c, w, "canary "+string(phase), "Normal") == nil
		}
		return controller.CallWebhook(f.canary, phase, w) == nil
	}
	f.t.Fatalf("the documented Canary has no %s webhook", typ)
	return false
}

func (f *flagger) expect(typ flaggerv1.HookType, phase flaggerv1.CanaryPhase, yes bool) {
	f.t.Helper()
	if got := f.call(typ, phase); got != yes {
		f.t.Fatalf("%s webhook (phase %s): yes=%v, want %v", typ, phase, got, yes)
	}
}

// release is the newest release of podinfo in prod.
func (f *flagger) release() (id, state, version string) {
	f.t.Helper()
	var list struct {
		Releases []struct{ ID, State, Version string }
	}
	f.cj.MustDo(f.t, 200, "GET", "/v1/releases?service=podinfo&target=prod", nil).Decode(f.t, &list)
	if len(list.Releases) == 0 {
		f.t.Fatal("no release of podinfo in prod")
	}
	r := list.Releases[0]
	return r.ID, r.State, r.Version
}

const (
	progressing = flaggerv1.CanaryPhaseProgressing
	promoting   = flaggerv1.CanaryPhasePromoting
	succeeded   = flaggerv1.CanaryPhaseSucceeded
	failed      = flaggerv1.CanaryPhaseFailed
)

// Flagger's webhook calls, in the order Flagger makes them, get yes or no
// as the release's decision says; its events record the outcome.
func TestFlaggerWebhooks(t *testing.T) {
	clk := testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now))
	f := newFlagger(t, cj, cj.URL+"/flagger/", "spec-v2")
	f.expect(flaggerv1.ConfirmRolloutHook, progressing, false) // no policy yet
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)

	// A healthy canary.
	f.expect(flaggerv1.ConfirmRolloutHook, progressing, true)
	f.expect(flaggerv1.PreRolloutHook, progressing, true)
	id, _, version := f.release()
	for range 2 {
		f.expect(flaggerv1.RolloutHook, progressing, true)
		f.expect(flaggerv1.ConfirmTrafficIncreaseHook, progressing, true)
		f.expect(flaggerv1.ConfirmPromotionHook, progressing, false) // still baking
		f.expect(flaggerv1.RollbackHook, progressing, false)
		clk.Advance(time.Minute)
		tooltest.Window(t, cj, id, 0.001, 0.001)
	}
	f.expect(flaggerv1.ConfirmPromotionHook, progressing, true)
	f.expect(flaggerv1.EventHook, promoting, true)
	f.expect(flaggerv1.EventHook, succeeded, true)
	if _, state, _ := f.release(); state != "promoted" {
		t.Fatalf("after Succeeded: %s, want promoted", state)
	}

	// The next spec: a bad canary, rolled back by the rollback webhook.
	g := newFlagger(t, cj, cj.URL+"/flagger/", "spec-v3")
	g.expect(flaggerv1.ConfirmRolloutHook, progressing, true)
	g.expect(flaggerv1.PreRolloutHook, progressing, true)
	id3, _, version3 := g.release()
	if version3 == version || id3 == id {
		t.Fatalf("a new spec must be a new release: %s/%s vs %s/%s", id3, version3, id, version)
	}
	tooltest.Window(t, cj, id3, 0.09, 0.001)
	g.expect(flaggerv1.RolloutHook, progressing, false)
	g.expect(flaggerv1.ConfirmTrafficIncreaseHook, progressing, false)
	g.expect(flaggerv1.ConfirmPromotionHook, progressing, false)
	g.expect(flaggerv1.RollbackHook, progressing, true)
	g.expect(flaggerv1.EventHook, failed, true)
	g.expect(flaggerv1.EventHook, failed, true) // Flagger repeats events
	var rel struct {
		Release struct {
			State           string
			BaselineVersion string `json:"baseline_version"`
		}
	}
	cj.MustDo(t, 200, "GET", "/v1/releases/"+id3, nil).Decode(t, &rel)
	if rel.Release.State != "rolled_back" || rel.Release.BaselineVersion != version {
		t.Fatalf("bad canary: %+v, want rolled_back to %s", rel.Release, version)
	}
}

// An unhealthy baseline escalates: Flagger keeps the canary where it is
// (rollout yes, traffic increase, promotion and rollback no).
func TestFlaggerEscalateHolds(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	f := newFlagger(t, cj, cj.URL+"/flagger/", "spec-v2")
	f.expect(flaggerv1.PreRolloutHook, progressing, true)
	id, _, _ := f.release()
	tooltest.Window(t, cj, id, 0.09, 0.09)
	f.expect(flaggerv1.RolloutHook, progressing, true)
	f.expect(flaggerv1.ConfirmTrafficIncreaseHook, progressing, false)
	f.expect(flaggerv1.ConfirmPromotionHook, progressing, false)
	f.expect(flaggerv1.RollbackHook, progressing, false)
}

// With authentication on, the token goes in the webhook URL's path.
func TestFlaggerTokenInPath(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithAdminToken(adminToken))
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	newFlagger(t, cj, cj.URL+"/flagger/", "spec-v2").expect(flaggerv1.PreRolloutHook, progressing, false) // 401
	newFlagger(t, cj, cj.URL+"/flagger/token/"+adminToken+"/", "spec-v2").expect(flaggerv1.PreRolloutHook, progressing, true)
}
