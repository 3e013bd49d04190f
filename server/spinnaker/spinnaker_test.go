package spinnaker_test

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

type response struct {
	NextStep     struct{ Directive string }
	StatusReason statusReason
	ReleaseID    string
	Action       string
	Reason       string
	State        string
}

// statusReason is orca's StatusReason (orca-deploymentmonitor
// models/StatusReason.java, StatusAdditionalData.java at orca 2fdb327a):
// orca's plain ObjectMapper refuses any other field in it.
type statusReason struct {
	Message        string
	LogSummary     []string
	AdditionalData []struct{ Key, Text, Link string }
}

// orcaReads decodes an answer as orca does: EvaluateHealthResponse ignores
// unknown fields, its nextStep (DeploymentStep: percent, instanceCount,
// directive) and statusReason accept only their own.
func orcaReads(t *testing.T, body []byte) response {
	t.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	strict := func(raw json.RawMessage, v any) {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			t.Fatalf("orca cannot read %s: %v", raw, err)
		}
	}
	var step struct {
		Percent, InstanceCount int
		Directive              string
	}
	strict(top["nextStep"], &step)
	var out response
	strict(top["statusReason"], &out.StatusReason)
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// orca replays one of orca's recorded requests (testdata/<file>), with the
// replacements applied, to a monitor endpoint; the answer must carry a
// reason Deck can show.
func orca(t *testing.T, cj *canaryjudgetest.Server, endpoint, file string, replace ...string) response {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	r := cj.MustDo(t, 200, "POST", "/spinnaker/v1/deployment/"+endpoint, strings.NewReplacer(replace...).Replace(string(raw)))
	out := orcaReads(t, r.Body)
	if out.StatusReason.Message == "" {
		t.Fatalf("%s: no status reason: %s", endpoint, r.Body)
	}
	return out
}

func expect(t *testing.T, got response, directive string) {
	t.Helper()
	if got.NextStep.Directive != directive {
		t.Fatalf("directive %q, want %q: %+v", got.NextStep.Directive, directive, got)
	}
}

// A healthy deploy: starting starts the release (new over old server
// group), evaluateHealth waits while baking, continues once a window
// passed, completes on promote; completed records the promotion.
func TestMonitoredDeployHealthy(t *testing.T) {
	clk := testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now))
	expect(t, orca(t, cj, "starting", "orca-98fbbc92/starting.json"), "abort") // no policy
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	start := orca(t, cj, "starting", "orca-98fbbc92/starting.json")
	expect(t, start, "continue")
	if again := orca(t, cj, "starting", "orca-98fbbc92/starting.json"); again.ReleaseID != start.ReleaseID {
		t.Fatalf("orca retried starting and got release %s, then %s", start.ReleaseID, again.ReleaseID)
	}
	var rel struct {
		Release struct{ Service, Target, Version, BaselineVersion string }
	}
	cj.MustDo(t, 200, "GET", "/v1/releases/"+start.ReleaseID, nil).Decode(t, &rel)
	if r := rel.Release; r.Service != "checkout" || r.Target != "prod-us-east-1" || r.Version != "checkout-prod-v042" {
		t.Fatalf("release %+v", r)
	}
	expect(t, orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json"), "wait") // no analysis yet
	clk.Advance(time.Minute)
	tooltest.Window(t, cj, start.ReleaseID, 0.001, 0.001)
	expect(t, orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json", `"currentProgress": 10`, `"currentProgress": 50`), "continue")
	clk.Advance(time.Minute)
	tooltest.Window(t, cj, start.ReleaseID, 0.001, 0.001)
	if got := orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json"); got.NextStep.Directive != "complete" || got.Action != "promote" {
		t.Fatalf("after the bake: %+v", got)
	}
	if got := orca(t, cj, "completed", "orca-98fbbc92/completed-success.json"); got.State != "promoted" {
		t.Fatalf("completed: %+v", got)
	}
	// The next deploy's starting creates a new release over v042.
	next := orca(t, cj, "starting", "orca-98fbbc92/starting.json", "v042", "v043", "v041", "v042")
	if next.ReleaseID == start.ReleaseID {
		t.Fatal("the next deploy reused the release")
	}
}

// A bad deploy aborts; orca's rollback completes the release.
func TestMonitoredDeployBad(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	start := orca(t, cj, "starting", "orca-98fbbc92/starting.json")
	tooltest.Window(t, cj, start.ReleaseID, 0.09, 0.001)
	got := orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json")
	expect(t, got, "abort")
	if got.Reason != "critical_ceiling" || !strings.Contains(got.StatusReason.Message, "rollback") {
		t.Fatalf("abort without its reason: %+v", got)
	}
	if done := orca(t, cj, "completed", "orca-98fbbc92/completed-rolledback.json"); done.State != "rolled_back" {
		t.Fatalf("completed after the rollback: %+v", done)
	}
	if again := orca(t, cj, "completed", "orca-98fbbc92/completed-rolledback.json"); again.NextStep.Directive != "continue" {
		t.Fatalf("a repeated completed: %+v", again)
	}
}

// Escalate is wait plus a page, with the reason shown.
func TestMonitoredDeployEscalate(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	start := orca(t, cj, "starting", "orca-98fbbc92/starting.json")
	tooltest.Window(t, cj, start.ReleaseID, 0.09, 0.09) // the baseline breaches its ceiling too
	got := orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json")
	expect(t, got, "wait")
	if got.Action != "escalate" || !strings.Contains(got.StatusReason.Message, "paged") || !strings.Contains(got.StatusReason.Message, got.Reason) {
		t.Fatalf("escalate: %+v", got)
	}
	var dec struct{ Page bool }
	cj.MustDo(t, 200, "GET", "/v1/releases/"+start.ReleaseID+"/decision", nil).Decode(t, &dec)
	if !dec.Page {
		t.Fatal("the escalation did not page")
	}
}

func TestMonitoredDeployEdges(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	expect(t, orca(t, cj, "starting", "orca-98fbbc92/starting-first-deploy.json"), "continue")
	expect(t, orca(t, cj, "evaluateHealth", "orca-98fbbc92/evaluateHealth.json", "v042", "v099"), "continue") // never started
	cj.MustDo(t, 200, "PUT", "/v1/freezes/service:checkout", `{"reason":"peak season"}`)
	if got := orca(t, cj, "starting", "orca-98fbbc92/starting.json"); got.NextStep.Directive != "abort" || !strings.Contains(got.StatusReason.Message, "peak season") {
		t.Fatalf("frozen: %+v", got)
	}
	for body, status := range map[string]int{
		`{"application":"checkout"}`:                                                                   400, // no newServerGroup
		`{"application":"Check Out!","newServerGroup":"v2"}`:                                           400,
		`{"application":"checkout","newServerGroup":"v2"`:                                              400,
		`{"application":"checkout","newServerGroup":"v2","parameters":{"target":"x"},"futureField":1}`: 200,
	} {
		if r := cj.Do(t, "POST", "/spinnaker/v1/deployment/evaluateHealth", body); r.Status != status {
			t.Errorf("%s: %d %s, want %d", body, r.Status, r.Body, status)
		}
	}
}
