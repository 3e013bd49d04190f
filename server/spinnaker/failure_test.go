package spinnaker_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// The requests of a retried deploy: orca creates a new server group (v043)
// over the one its rollback re-enabled (v041), in a new deployment.
var retry = []string{"checkout-prod-v042", "checkout-prod-v043", "01J9K7Q4A5B6C7D8E9F0G1H2JK", "01J9K7R8S9T0V1W2X3Y4Z5A6BC"}

func release(t *testing.T, cj *canaryjudgetest.Server, id string) (state string, page bool) {
	t.Helper()
	var rel struct{ Release struct{ State string } }
	cj.MustDo(t, 200, "GET", "/v1/releases/"+id, nil).Decode(t, &rel)
	var dec struct{ Page bool }
	cj.MustDo(t, 200, "GET", "/v1/releases/"+id+"/decision", nil).Decode(t, &dec)
	return rel.Release.State, dec.Page
}

// A monitored deploy that fails and is retried: canaryjudge aborts the bad
// canary (the reason, its numbers and links as Deck shows them), orca rolls
// back and reports it, the release ends rolled back, and the retried
// deploy (a new server group) starts a new release and is promoted.
func TestMonitoredDeployFailsAndIsRetried(t *testing.T) {
	clk := testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	first := orca(t, cj, "starting", "orca-2fdb327a/starting.json")
	expect(t, first, "continue")
	clk.Advance(time.Minute)
	tooltest.Window(t, cj, first.ReleaseID, 0.09, 0.001)
	abort := orca(t, cj, "evaluateHealth", "orca-2fdb327a/evaluateHealth.json")
	expect(t, abort, "abort")
	r := abort.StatusReason
	if !strings.HasPrefix(r.Message, "rollback (critical_ceiling)") ||
		!slices.Contains(r.LogSummary, "decision: rollback (critical_ceiling), release rolling_back") ||
		!slices.Contains(r.LogSummary, "canary past its ceiling: error_ratio") ||
		!slices.Contains(r.LogSummary, "roll back to checkout-prod-v041") {
		t.Fatalf("the abort's reason as Deck shows it: %+v", r)
	}
	followLinks(t, cj, r.AdditionalData)

	done := orca(t, cj, "completed", "orca-2fdb327a/completed-failure-rolledback.json")
	if st, _ := release(t, cj, first.ReleaseID); st != "rolled_back" || done.State != "rolled_back" {
		t.Fatalf("after orca's rollback: %s, %+v", st, done)
	}

	second := orca(t, cj, "starting", "orca-2fdb327a/starting.json", retry...)
	expect(t, second, "continue")
	if second.ReleaseID == first.ReleaseID || second.State != "baking" {
		t.Fatalf("the retry: %+v (first release %s)", second, first.ReleaseID)
	}
	for range 2 {
		clk.Advance(time.Minute)
		tooltest.Window(t, cj, second.ReleaseID, 0.001, 0.001)
	}
	expect(t, orca(t, cj, "evaluateHealth", "orca-2fdb327a/evaluateHealth.json", retry...), "complete")
	orca(t, cj, "completed", "orca-2fdb327a/completed-success.json", retry...)
	if st, _ := release(t, cj, second.ReleaseID); st != "promoted" {
		t.Fatalf("the retried deploy's release is %s, want promoted", st)
	}
}

// followLinks opens every link Deck shows the way a browser does: each is
// absolute, on the host orca called, and answers.
func followLinks(t *testing.T, cj *canaryjudgetest.Server, data []struct{ Key, Text, Link string }) {
	t.Helper()
	base, _ := url.Parse(cj.URL)
	if len(data) < 2 {
		t.Fatalf("additionalData %+v: want the release's links", data)
	}
	for _, d := range data {
		u, err := url.Parse(d.Link)
		if err != nil || !u.IsAbs() || u.Host != base.Host {
			t.Fatalf("link %q (%s): Deck opens it in a new tab, so it must be absolute on %s", d.Link, d.Key, base.Host)
		}
		// The web UI is outside the API contract: ask the server itself.
		rec := httptest.NewRecorder()
		cj.Handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u.RequestURI(), nil))
		if rec.Code != 200 {
			t.Fatalf("%s: %d %s", d.Link, rec.Code, rec.Body)
		}
	}
}

// A deploy that fails while the release bakes, with no rollback (orca's
// default failureActions), ends the release: the next deploy is not
// refused as "still baking".
func TestFailedDeployWithoutRollbackUnblocksTheNext(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	first := orca(t, cj, "starting", "orca-2fdb327a/starting.json")
	done := orca(t, cj, "completed", "orca-2fdb327a/completed-failure-norollback.json")
	if st, page := release(t, cj, first.ReleaseID); st != "rolled_back" || page || !strings.Contains(done.StatusReason.Message, "rollback not_performed") {
		t.Fatalf("after a failed deploy without a rollback: %s (page %v), %+v", st, page, done)
	}
	var audit struct {
		Entries []struct {
			Action string
			Input  json.RawMessage
		}
	}
	cj.MustDo(t, 200, "GET", "/v1/releases/"+first.ReleaseID+"/audit?detail=full", nil).Decode(t, &audit)
	last := audit.Entries[len(audit.Entries)-1]
	if last.Action != "event" || !strings.Contains(string(last.Input), `"type":"rollback_completed"`) ||
		!strings.Contains(string(last.Input), "spinnaker deployment 01J9K7Q4A5B6C7D8E9F0G1H2JK: status failure, rollback not_performed") {
		t.Fatalf("the audit log's last entry: %s %s", last.Action, last.Input)
	}
	next := orca(t, cj, "starting", "orca-2fdb327a/starting.json", retry...)
	expect(t, next, "continue")
	if next.ReleaseID == first.ReleaseID {
		t.Fatal("the next deploy reused the ended release")
	}
}

// A rollback that orca did not perform although canaryjudge ordered it
// (failureActions.rollback None), or one that failed, halts the release
// and pages: the bad canary may still serve, a human decides.
func TestRollbackNotDoneHalts(t *testing.T) {
	for name, tc := range map[string]struct {
		bad  bool // canaryjudge ordered the rollback first
		file string
	}{
		"ordered, not performed": {true, "completed-failure-norollback.json"},
		"ordered, failed":        {true, "completed-failure-rollbackfailed.json"},
		"baking, failed":         {false, "completed-failure-rollbackfailed.json"},
	} {
		t.Run(name, func(t *testing.T) {
			cj := canaryjudgetest.NewServer(t)
			cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
			start := orca(t, cj, "starting", "orca-2fdb327a/starting.json")
			if tc.bad {
				tooltest.Window(t, cj, start.ReleaseID, 0.09, 0.001)
				expect(t, orca(t, cj, "evaluateHealth", "orca-2fdb327a/evaluateHealth.json"), "abort")
			}
			done := orca(t, cj, "completed", "orca-2fdb327a/"+tc.file)
			if st, page := release(t, cj, start.ReleaseID); st != "halted" || !page || done.Reason != "rollback_failed" {
				t.Fatalf("%s: state %s, page %v, %+v", tc.file, st, page, done)
			}
			if again := orca(t, cj, "completed", "orca-2fdb327a/"+tc.file); !strings.Contains(again.StatusReason.Message, "/override") {
				t.Fatalf("a repeated completed on the halted release: %+v", again)
			}
			next := orca(t, cj, "starting", "orca-2fdb327a/starting.json", retry...)
			if next.NextStep.Directive != "abort" || !strings.Contains(next.StatusReason.Message, "halted") {
				t.Fatalf("the next deploy while a human decides: %+v", next)
			}
		})
	}
}
