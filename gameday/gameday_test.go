package gameday_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/gameday"
	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

// The scenarios the issue lists, each by the name the game day gives it.
var issueScenarios = []string{"healthy", "errors_x5", "spike", "latency_regression", "ceiling_breach",
	"expand_migration", "incompatible_migration", "rollback_cap", "freeze", "rollback_stuck",
	"rollback_failed", "metrics_missing", "baseline_unhealthy", "override_resolve", "stale_release"}

func examplePolicy(t *testing.T) judge.Policy {
	t.Helper()
	p, err := policyfile.Parse(canaryjudge.ExamplePolicy)
	if err != nil {
		t.Fatalf("the shipped example policy: %v", err)
	}
	return p
}

func scenarios(t *testing.T) []gameday.Scenario {
	t.Helper()
	scs, err := gameday.Scenarios(examplePolicy(t), sim.DefaultNoise())
	if err != nil {
		t.Fatal(err)
	}
	return scs
}

// embedded starts the embedded server and a sink for one test.
func embedded(t *testing.T) *gameday.Target {
	t.Helper()
	_, tg := embeddedAt(t)
	return tg
}

// embeddedAt is embedded with the server, for tests that read its API.
func embeddedAt(t *testing.T) (*gameday.Embedded, *gameday.Target) {
	t.Helper()
	emb, err := gameday.StartEmbedded(context.Background(), gameday.EmbeddedOptions{Classifier: sqlcheck.Classifier{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(emb.Close)
	sink := gameday.NewSink()
	url, stop, err := sink.Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return emb, &gameday.Target{Client: gameday.NewClient(emb.URL, ""), Clock: emb.Clock, Sink: sink, SinkURL: url}
}

// TestEveryScenarioOfTheIssue: the shipped policy runs every scenario the
// issue lists (none skipped), each with a headline expectation.
func TestEveryScenarioOfTheIssue(t *testing.T) {
	scs := scenarios(t)
	if len(scs) != len(issueScenarios) {
		t.Errorf("%d scenarios, want %d", len(scs), len(issueScenarios))
	}
	for i, sc := range scs {
		if i < len(issueScenarios) && sc.Name != issueScenarios[i] {
			t.Errorf("scenario %d is %s, want %s", i, sc.Name, issueScenarios[i])
		}
		if sc.Skip != "" || sc.Expect.Action == "" || len(sc.Steps) == 0 || sc.Fault == "" {
			t.Errorf("%s: skip %q, expect %+v, %d steps, fault %q", sc.Name, sc.Skip, sc.Expect, len(sc.Steps), sc.Fault)
		}
	}
}

// TestEmbeddedGameDay: every scenario passes against the embedded server,
// and the checks behind PASS are real: each scenario checked its
// notifications, and the halting ones saw exactly one page.
func TestEmbeddedGameDay(t *testing.T) {
	scs := scenarios(t)
	rs := gameday.Run(context.Background(), embedded(t), scs, gameday.Options{Seed: 1})
	var out bytes.Buffer
	if err := gameday.WriteTable(&out, rs); err != nil {
		t.Fatal(err)
	}
	if s := gameday.Summarize(rs); s.Passed != len(scs) {
		t.Fatalf("%+v\n%s", s, out.String())
	}
	for i, r := range rs {
		last := r.Checks[len(r.Checks)-1]
		if !strings.HasPrefix(last.Step, "the notifications reach") || last.Actual != scs[i].Notes.String() {
			t.Errorf("%s: last check %+v", r.Scenario, last)
		}
		if r.Window == 0 && scs[i].Expect.By > 0 {
			t.Errorf("%s: no headline window", r.Scenario)
		}
	}
	for _, name := range []string{"rollback_stuck", "stale_release", "metrics_missing", "incompatible_migration"} {
		if sc := find(scs, name); sc.Notes.Page != 1 {
			t.Errorf("%s expects %d pages, want exactly 1", name, sc.Notes.Page)
		}
	}
}

// TestWrongExpectationFails: a deliberately wrong expectation fails the
// scenario with a diff that names expected and actual and the server's why.
func TestWrongExpectationFails(t *testing.T) {
	sc := find(scenarios(t), "errors_x5").WithExpect(judge.ActionPromote, "")
	rs := gameday.Run(context.Background(), embedded(t), []gameday.Scenario{sc}, gameday.Options{Seed: 1})
	if rs[0].Status != "FAIL" {
		t.Fatalf("status %s, want FAIL", rs[0].Status)
	}
	var out bytes.Buffer
	if err := gameday.WriteTable(&out, rs); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"FAIL errors_x5", "- expected: promote by window 2", "+ actual:   rollback (", "why:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestWrongPageCountFails: the page count is checked, not assumed.
func TestWrongPageCountFails(t *testing.T) {
	sc := find(scenarios(t), "rollback_failed")
	sc.Notes.Page = 2
	rs := gameday.Run(context.Background(), embedded(t), []gameday.Scenario{sc}, gameday.Options{Seed: 1})
	f := rs[0].Failed()
	if rs[0].Status != "FAIL" || len(f) != 1 || f[0].Expected != "2 page, 1 resolve, 1 info" || f[0].Actual != "1 page, 1 resolve, 1 info" {
		t.Fatalf("status %s, failed checks %+v", rs[0].Status, f)
	}
}

// TestSkipsWhatThePolicyLacks: a policy without a latency metric or error
// ceiling skips those scenarios, saying why, and runs the rest.
func TestSkipsWhatThePolicyLacks(t *testing.T) {
	p := examplePolicy(t)
	var kept []judge.Metric
	used := map[string]bool{}
	for _, m := range p.Metrics {
		if m.Kind != judge.KindLatency {
			m.Ceiling = nil
			kept = append(kept, m)
			used[m.Group] = true
		}
	}
	p.Metrics = kept
	for g := range p.Groups {
		if !used[g] {
			delete(p.Groups, g)
		}
	}
	scs, err := gameday.Scenarios(p, sim.DefaultNoise())
	if err != nil {
		t.Fatal(err)
	}
	for _, sc := range scs {
		skip := sc.Name == "latency_regression" || sc.Name == "ceiling_breach" || sc.Name == "baseline_unhealthy"
		if (sc.Skip != "") != skip {
			t.Errorf("%s: skip %q", sc.Name, sc.Skip)
		}
	}
}

func find(scs []gameday.Scenario, name string) gameday.Scenario {
	for _, s := range scs {
		if s.Name == name {
			return s
		}
	}
	panic("no scenario " + name)
}
