package flagger_test

import (
	"os"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
)

// With metadata.source, pre-rollout starts a scheduled run over a real
// Prometheus (Flagger's naming: the canary's pods app=NAME, the primary's
// app=NAME-primary), and the gates follow the decisions it makes while
// Flagger keeps calling rollout once a minute (the server's clock moves
// with each call): podinfo's healthy canary is promoted, checkout's (5x
// errors, +40 % latency) is rolled back.
func TestPreRolloutStartsARun(t *testing.T) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	base := promtest.Track{Track: "prod", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
	var tracks []promtest.Track
	for _, name := range []string{"podinfo", "checkout"} {
		primary, canary := base, base
		primary.App, canary.App = name+"-primary", name
		canary.RPS, canary.LatencyMedian = 48, 0.102
		if name == "checkout" {
			canary.ErrorRatio, canary.LatencyMedian = 5*base.ErrorRatio, 1.4*base.LatencyMedian
		}
		tracks = append(tracks, primary, canary)
	}
	prom := promtest.Start(t, promtest.Data{Start: t0, End: t0.Add(70 * time.Minute), Scrape: 15 * time.Second, Tracks: tracks, Seed: 5})
	raw, err := os.ReadFile("../../source/prometheus/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	pol, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"podinfo": "promote", "checkout": "rollback"} {
		t.Run(name, func(t *testing.T) {
			clk := testclock.New(t0)
			cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now))
			cj.MustDo(t, 201, "PUT", "/v1/sources/prom", `{"type":"prometheus","config":{"url":"`+prom.URL+`","step":"15s"}}`)
			cj.MustDo(t, 201, "PUT", "/v1/services/"+name+"/policy", pol)
			meta := map[string]string{"source": "prom", "interval": "5m"}
			call := func(hook string) (int, answer) {
				return hookFor(t, cj, name, hook, meta)
			}
			got, started := call("pre-rollout")
			if got != 200 || started.ReleaseID == "" {
				t.Fatalf("pre-rollout: %d %+v", got, started)
			}
			defer func() { // the decision came from the run the hook started, which ends
				wantStatus := map[string]string{"promote": "SUCCEEDED", "rollback": "TERMINAL"}[want]
				var runs struct {
					Runs []struct {
						Status  string
						Windows struct{ Done int }
					}
				}
				for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
					cj.MustDo(t, 200, "GET", "/v1/runs?release="+started.ReleaseID, nil).Decode(t, &runs)
					if len(runs.Runs) == 1 && runs.Runs[0].Status == wantStatus {
						break
					}
				}
				if len(runs.Runs) != 1 || runs.Runs[0].Status != wantStatus || runs.Runs[0].Windows.Done < 2 {
					t.Errorf("runs of release %s: %+v, want one %s after 2+ windows", started.ReleaseID, runs.Runs, wantStatus)
				}
			}()
			if got, _ := call("pre-rollout"); got != 200 { // Flagger retries: the run goes on
				t.Fatalf("pre-rollout again: %d", got)
			}
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			deadline := time.Now().Add(60 * time.Second)
			for time.Now().Before(deadline) {
				rollout, a := call("rollout")
				promoted, _ := call("confirm-promotion")
				switch {
				case want == "promote" && promoted == 200:
					return
				case want == "rollback" && rollout == 412:
					if a.Action != "rollback" {
						t.Fatalf("rollout said no with %+v", a)
					}
					if got, _ := call("rollback"); got != 200 {
						t.Fatalf("the rollback webhook said %d", got)
					}
					return
				case rollout != 200 || promoted == 200:
					t.Fatalf("%s: rollout %d, confirm-promotion %d: %+v", name, rollout, promoted, a)
				}
				if clk.Now().Before(t0.Add(65 * time.Minute)) {
					clk.Advance(time.Minute)
				}
				<-tick.C
			}
			t.Fatalf("%s: no %s in time", name, want)
		})
	}
}

// hookFor sends what Flagger sends for canary name in namespace prod.
func hookFor(t *testing.T, cj *canaryjudgetest.Server, name, hook string, meta map[string]string) (int, answer) {
	t.Helper()
	r := cj.Do(t, "POST", "/flagger/"+hook, map[string]any{"name": name, "namespace": "prod", "phase": "Progressing",
		"checksum": "v2sum", "metadata": meta})
	var a answer
	if r.Status == 200 || r.Status == 412 {
		r.Decode(t, &a)
	} else {
		t.Fatalf("%s: %d %s", hook, r.Status, r.Body)
	}
	return r.Status, a
}
