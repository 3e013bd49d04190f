package kayentaapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// stageSource serves the fixture's label-matcher scopes.
func stageSource() canaryjudgetest.StaticSource {
	return canaryjudgetest.StaticSource{
		"app=checkout,track=baseline": tooltest.KayentaSide(1, 1, 0.002),
		"app=checkout,track=canary":   tooltest.KayentaSide(2, 1, 0.002),
		"app=checkout,track=bad":      tooltest.KayentaSide(3, 1.5, 0.01),
	}
}

// runStage replays a whole canary stage whose scope names its start and
// end (RunCanaryIntervalsStage at orca 2fdb327a: no waits; interval i
// covers [start, start + i*interval]), three 10-minute intervals, each
// RunKayentaCanaryTask then MonitorKayentaCanaryTask, and finally
// AggregateCanaryResultsTask on the last score (pass 75, marginal 50).
// It returns the stage's status, its message and the executions.
func runStage(t *testing.T, cj *canaryjudgetest.Server, replace ...string) (string, string, []string) {
	t.Helper()
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	var ids []string
	var last monitored
	for i := 1; i <= 3; i++ {
		end := start.Add(time.Duration(i) * 10 * time.Minute).Format(time.RFC3339)
		body := fixture(t, "orca-create-manual.json", append([]string{"2026-11-26T09:10:00Z", end}, replace...)...)
		ids = append(ids, create(t, cj, "checkout", body))
		if last = monitorCanary(t, cj, ids[len(ids)-1], 50); last.status != "SUCCEEDED" {
			return last.status, last.message, ids
		}
	}
	switch score := float64(last.score); {
	case score <= 50:
		return "TERMINAL", fmt.Sprintf("Final canary score %v is not above the marginal score threshold.", score), ids
	case score < 75:
		return "TERMINAL", fmt.Sprintf("Final canary score %v is below the pass score threshold.", score), ids
	default:
		return "SUCCEEDED", fmt.Sprintf("Final canary score %v met or exceeded the pass score threshold.", score), ids
	}
}

// A whole canary stage against canaryjudge, as orca runs it: a healthy
// canary passes every interval and the stage; a bad one fails the first
// interval at or below marginal; a cancelled stage's cancel call is
// accepted and changes nothing.
func TestOrcaCanaryStage(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(stageSource()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)

	status, msg, ids := runStage(t, cj)
	if status != "SUCCEEDED" || len(ids) != 3 || !strings.Contains(msg, "met or exceeded") {
		t.Fatalf("a healthy canary: %s %q after %d intervals", status, msg, len(ids))
	}
	status, msg, ids = runStage(t, cj, "track=canary", "track=bad")
	if status != "TERMINAL" || len(ids) != 1 || msg != "Canary score is not above the marginal score threshold." {
		t.Fatalf("a bad canary: %s %q after %d intervals", status, msg, len(ids))
	}

	// RunCanaryPipelineStage.cancel: PUT /pipelines/{id}/cancel, body "".
	code, body := spin(t, cj, "PUT", "/kayenta/pipelines/"+ids[0]+"/cancel", fixture(t, "orca-cancel.json"))
	if code != 202 || !strings.Contains(string(body), `"status":"succeeded"`) {
		t.Fatalf("cancel: %d %s", code, body)
	}
	// The execution is as it was: judged, its score failing the stage.
	if m := monitorCanary(t, cj, ids[0], 50); m.status != "TERMINAL" || m.message != "Canary score is not above the marginal score threshold." {
		t.Fatalf("after the cancel: %+v", m)
	}
	if code, _ := spin(t, cj, "PUT", "/kayenta/pipelines/kx_unknown/cancel", fixture(t, "orca-cancel.json")); code != 404 {
		t.Fatalf("cancel of an unknown execution: %d (orca logs it and goes on)", code)
	}
}

// A deployment-based canary: orca sends the deployed server groups as the
// scopes (names, not label matchers) with their region and the stage's
// extendedScopeParams; canaryjudge matches each name against the scope
// label the stage names (here track, where the data below keeps the
// server group) in a real Prometheus. A healthy experiment server group
// passes, a bad one fails; Deck's chart of the execution shows the
// matchers each side was read with.
func TestOrcaDeploymentCanary(t *testing.T) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	base := promtest.Track{App: "checkout", Track: "checkout-prod-baseline-v042", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1,
		CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
	healthy, bad := base, base
	healthy.Track = "checkout-prod-canary-v042"
	bad.Track, bad.ErrorRatio, bad.LatencyMedian = "checkout-prod-canary-v043", 5*base.ErrorRatio, 1.4*base.LatencyMedian
	prom := promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(40 * time.Minute), Scrape: 15 * time.Second,
		Tracks: []promtest.Track{base, healthy, bad}, Seed: 13})
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/sources/prom", fmt.Sprintf(`{"type":"prometheus","config":{"url":%q,"step":"15s"}}`, prom.URL))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", promPolicy)
	times := []string{"2026-11-26T09:00:00Z", t0.Add(10 * time.Minute).Format(time.RFC3339),
		"2026-11-26T09:10:00Z", t0.Add(30 * time.Minute).Format(time.RFC3339)}

	good := create(t, cj, "checkout", fixture(t, "orca-create-deployment.json", times...))
	if m := monitorCanary(t, cj, good, 50); m.status != "SUCCEEDED" || m.score < 75 || m.warnings != nil {
		t.Fatalf("the healthy server group: %+v", m)
	}
	failing := create(t, cj, "checkout", fixture(t, "orca-create-deployment.json", append(times, "canary-v042", "canary-v043")...))
	if m := monitorCanary(t, cj, failing, 50); m.status != "TERMINAL" || m.score > 50 {
		t.Fatalf("the bad server group: %+v", m)
	}
	pairs := metricSetPairs(t, cj, good)
	for _, p := range pairs {
		if p.Attributes["experiment"]["scope"] != `track="checkout-prod-canary-v042"` ||
			p.Attributes["control"]["scope"] != `track="checkout-prod-baseline-v042"` || len(p.Values["experiment"]) < 50 {
			t.Fatalf("%s: read with %v, %d points", p.Name, p.Attributes, len(p.Values["experiment"]))
		}
	}
}
