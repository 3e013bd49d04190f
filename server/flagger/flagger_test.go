package flagger_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

type answer struct {
	Answer, Hook, Service, Target, Version, State, Action, Reason, Message string
	ReleaseID                                                              string `json:"release_id"`
}

// hook sends what Flagger sends for canary podinfo in namespace prod.
func hook(t *testing.T, cj *canaryjudgetest.Server, name, checksum, phase string, meta map[string]string) (int, answer) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "podinfo", "namespace": "prod", "phase": phase, "checksum": checksum, "metadata": meta})
	r := cj.Do(t, "POST", "/flagger/"+name, body)
	var a answer
	if r.Status == 200 || r.Status == 412 {
		r.Decode(t, &a)
		if (r.Status == 200) != (a.Answer == "yes") {
			t.Fatalf("%s: status %d with answer %q", name, r.Status, a.Answer)
		}
	}
	return r.Status, a
}

func expect(t *testing.T, cj *canaryjudgetest.Server, name, checksum, phase string, want int) answer {
	t.Helper()
	got, a := hook(t, cj, name, checksum, phase, nil)
	if got != want {
		t.Fatalf("%s (phase %s) = %d, want %d: %+v", name, phase, got, want, a)
	}
	return a
}

func newServer(t *testing.T) (*canaryjudgetest.Server, *testclock.Clock) {
	c := testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	return canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(c.Now)), c
}

func TestNoPolicyNoRollout(t *testing.T) {
	cj, _ := newServer(t)
	a := expect(t, cj, "confirm-rollout", "abc123", "Progressing", 412)
	if a.Service != "podinfo" || a.Target != "prod" {
		t.Fatalf("mapping: %+v, want service podinfo, target prod", a)
	}
	// pre-rollout cannot create a release without a policy either.
	if got, _ := hook(t, cj, "pre-rollout", "abc123", "Progressing", nil); got != 404 {
		t.Fatalf("pre-rollout without a policy = %d, want 404", got)
	}
}

// A bad canary: the gates follow the decision, the rollback hook orders
// the rollback, and Flagger's Failed event completes it, once.
func TestBadCanaryRollsBack(t *testing.T) {
	cj, _ := newServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	expect(t, cj, "confirm-rollout", "v2sum", "Progressing", 200)
	a := expect(t, cj, "pre-rollout", "v2sum", "Progressing", 200)
	if again := expect(t, cj, "pre-rollout", "v2sum", "Progressing", 200); again.ReleaseID != a.ReleaseID || a.ReleaseID == "" {
		t.Fatalf("pre-rollout twice made releases %q and %q", a.ReleaseID, again.ReleaseID)
	}
	var rel struct {
		Release struct{ Version, BaselineVersion, Target string }
	}
	json.Unmarshal(cj.MustDo(t, 200, "GET", "/v1/releases/"+a.ReleaseID, nil).Body, &rel)
	if rel.Release.Version != "v2sum" || rel.Release.Target != "prod" {
		t.Fatalf("release %+v", rel.Release)
	}
	expect(t, cj, "rollout", "v2sum", "Progressing", 200) // no analysis yet: wait
	expect(t, cj, "confirm-promotion", "v2sum", "Progressing", 412)
	expect(t, cj, "rollback", "v2sum", "Progressing", 412)

	tooltest.Window(t, cj, a.ReleaseID, 0.09, 0.001) // past the critical ceiling
	if a := expect(t, cj, "rollout", "v2sum", "Progressing", 412); a.Action != "rollback" || a.Reason == "" {
		t.Fatalf("rollout after a failing window: %+v", a)
	}
	expect(t, cj, "confirm-traffic-increase", "v2sum", "Progressing", 412)
	expect(t, cj, "confirm-promotion", "v2sum", "Progressing", 412)
	expect(t, cj, "rollback", "v2sum", "Progressing", 200)
	for range 2 { // Flagger sends many events; the second changes nothing
		if a := expect(t, cj, "event", "v2sum", "Failed", 200); a.State != "rolled_back" {
			t.Fatalf("event Failed: %+v, want rolled_back", a)
		}
	}
	// The rolled-back version is not started afresh: its release answers.
	if a2 := expect(t, cj, "rollout", "v2sum", "Progressing", 412); a2.ReleaseID != a.ReleaseID || a2.State != "rolled_back" {
		t.Fatalf("rollout of the rolled-back version: %+v", a2)
	}
}

// A healthy canary: promotion is confirmed only once the decision is
// promote; Succeeded records it; the next canary's baseline is this one.
func TestHealthyCanaryPromotes(t *testing.T) {
	cj, clk := newServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	a := expect(t, cj, "pre-rollout", "v2sum", "Progressing", 200)
	for i := 0; i < 2; i++ { // min_windows 2, min_bake 2m
		expect(t, cj, "confirm-promotion", "v2sum", "Progressing", 412)
		clk.Advance(time.Minute)
		tooltest.Window(t, cj, a.ReleaseID, 0.001, 0.001)
		expect(t, cj, "rollout", "v2sum", "Progressing", 200)
	}
	if a := expect(t, cj, "confirm-promotion", "v2sum", "Progressing", 200); a.Action != "promote" {
		t.Fatalf("confirm-promotion: %+v", a)
	}
	expect(t, cj, "rollback", "v2sum", "Progressing", 412)
	if a := expect(t, cj, "event", "v2sum", "Succeeded", 200); a.State != "promoted" {
		t.Fatalf("Succeeded: %+v", a)
	}
	b := expect(t, cj, "pre-rollout", "v3sum", "Progressing", 200)
	var rel struct {
		Release struct {
			BaselineVersion string `json:"baseline_version"`
		}
	}
	json.Unmarshal(cj.MustDo(t, 200, "GET", "/v1/releases/"+b.ReleaseID, nil).Body, &rel)
	if rel.Release.BaselineVersion != "v2sum" {
		t.Fatalf("next canary's baseline %q, want v2sum", rel.Release.BaselineVersion)
	}
	// Another version while v3sum is active: no rollout, named.
	if a := expect(t, cj, "confirm-rollout", "v4sum", "Progressing", 412); a.ReleaseID != b.ReleaseID {
		t.Fatalf("confirm-rollout of v4sum names %q, want %q", a.ReleaseID, b.ReleaseID)
	}
	expect(t, cj, "rollout", "v4sum", "Progressing", 412)
}

// Escalate (the baseline itself breaches its ceiling): Flagger must neither
// roll back nor promote nor add traffic; rollout is not failed either, so
// Flagger's own threshold does not roll back behind the human's back.
func TestEscalateHoldsTheCanary(t *testing.T) {
	cj, _ := newServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	a := expect(t, cj, "pre-rollout", "v2sum", "Progressing", 200)
	tooltest.Window(t, cj, a.ReleaseID, 0.09, 0.09)
	if a := expect(t, cj, "rollout", "v2sum", "Progressing", 200); a.Action != "escalate" {
		t.Fatalf("rollout: %+v, want escalate", a)
	}
	expect(t, cj, "confirm-traffic-increase", "v2sum", "Progressing", 412)
	expect(t, cj, "confirm-promotion", "v2sum", "Progressing", 412)
	expect(t, cj, "rollback", "v2sum", "Progressing", 412)
}

func TestFreezeStopsRollouts(t *testing.T) {
	cj, _ := newServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	cj.MustDo(t, 200, "PUT", "/v1/freezes/service:podinfo", `{"reason":"holiday"}`)
	if a := expect(t, cj, "confirm-rollout", "v2sum", "Progressing", 412); a.Message != "frozen (service:podinfo): holiday" {
		t.Fatalf("message %q", a.Message)
	}
}

// Metadata names the service and target; fields a newer Flagger may add
// are accepted; bad payloads are 400s naming the field.
func TestPayloads(t *testing.T) {
	cj, _ := newServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	if got, a := hook(t, cj, "pre-rollout", "v2", "Progressing", map[string]string{"service": "checkout", "target": "eu-1"}); got != 200 || a.Service != "checkout" || a.Target != "eu-1" {
		t.Fatalf("metadata mapping: %d %+v", got, a)
	}
	r := cj.Do(t, "POST", "/flagger/rollout", `{"name":"checkout","namespace":"eu-1","phase":"Progressing","checksum":"v2","metadata":{},"labels":{"a":"b"}}`)
	if r.Status != 200 {
		t.Fatalf("an unknown field: %d %s", r.Status, r.Body)
	}
	for body, field := range map[string]string{
		`{"name":"podinfo","namespace":"prod","checksum":"x"`:                           "body",
		`{"name":"Bad Name!","namespace":"prod","checksum":"x"}`:                        "name",
		`{"name":"podinfo","namespace":"prod","checksum":""}`:                           "checksum",
		`{"name":"podinfo","namespace":"prod","checksum":"x","metadata":{"service":7}}`: "metadata",
	} {
		r := cj.Do(t, "POST", "/flagger/rollout", body)
		var p struct{ Errors []struct{ Field string } }
		json.Unmarshal(r.Body, &p)
		if r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("%s: %d %s, want 400 naming %s", body, r.Status, r.Body, field)
		}
	}
	if r := cj.Do(t, "POST", "/flagger/post-rollout", "{\"name\":\"podinfo\",\"namespace\":\"prod\",\"checksum\":\"a\x00\"}"); r.Status != 400 {
		t.Errorf("a NUL byte: %d %s", r.Status, r.Body)
	}
	if r := cj.Do(t, "POST", "/flagger/no-such-hook", `{"name":"podinfo","namespace":"prod","checksum":"x"}`); r.Status != 400 {
		t.Errorf("unknown hook: %d %s", r.Status, r.Body)
	}
}
