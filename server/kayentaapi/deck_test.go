package kayentaapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
)

// deckRun is ICanaryExecutionStatusResult as deck-kayenta 63c49b54 reads
// it (domain/ICanaryExecutionStatusResult.ts, report/detail/*.tsx).
type deckRun struct {
	Config *struct {
		ID, Name   string
		Metrics    []struct{ Name, ScopeName string }
		Classifier struct{ GroupWeights map[string]float64 }
	}
	CanaryExecutionRequest *struct {
		Thresholds struct{ Pass, Marginal float64 }
		Scopes     map[string]json.RawMessage
	}
	MetricSetPairListID string
	Exception           *struct {
		Details struct {
			Error  string
			Errors []string
		}
	}
	Result *struct {
		JudgeResult struct {
			Results []struct{ ID, Name string }
		}
	}
}

// gate asks canaryjudge's /kayenta for Deck (gate's KayentaService at gate
// c0c8d1d7: the same paths and query parameters as Kayenta's).
func gate(t *testing.T, cj *canaryjudgetest.Server, path string, v any) {
	t.Helper()
	code, body := spin(t, cj, "GET", "/kayenta"+path, nil)
	if err := json.Unmarshal(body, v); code != 200 || err != nil {
		t.Fatalf("GET %s: %d %v %s", path, code, err, body)
	}
}

func metricSetPairs(t *testing.T, cj *canaryjudgetest.Server, id string) []kayentaapi.MetricSetPair {
	t.Helper()
	var run deckRun
	gate(t, cj, "/canary/"+id+"?storageAccountName=canaryjudge", &run)
	if run.MetricSetPairListID == "" {
		t.Fatal("a succeeded execution without metricSetPairListId")
	}
	var pairs []kayentaapi.MetricSetPair
	gate(t, cj, "/metricSetPairList/"+run.MetricSetPairListID+"?accountName=canaryjudge", &pairs)
	return pairs
}

// Deck's canary screens through gate: the config, the judges, the
// accounts, a run's report and each metric's chart data, with the fields
// Deck reads; a terminal run shows its error; once the policy changes the
// charts of older runs answer 409 while their report still renders.
func TestDeckCanaryReport(t *testing.T) {
	src := stageSource()
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(src))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	id := create(t, cj, "checkout", fixture(t, "orca-create-manual.json"))

	deckScreens(t, cj)

	var run deckRun
	gate(t, cj, "/canary/"+id+"?storageAccountName=canaryjudge", &run)
	if run.Config == nil || run.Config.ID != "checkout" || run.CanaryExecutionRequest == nil || run.CanaryExecutionRequest.Thresholds.Pass != 75 ||
		run.CanaryExecutionRequest.Scopes["default"] == nil || run.Result == nil || len(run.Result.JudgeResult.Results) != 2 {
		t.Fatalf("the report's run: %+v", run)
	}
	pairs := metricSetPairs(t, cj, id)
	start := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	for _, res := range run.Result.JudgeResult.Results {
		i := slices.IndexFunc(pairs, func(p kayentaapi.MetricSetPair) bool { return p.ID == res.ID })
		if i < 0 {
			t.Fatalf("no metric set pair %s for result %s (Deck finds the chart by the result's id)", res.ID, res.Name)
		}
		p := pairs[i]
		want := src["app=checkout,track=canary"].Series[res.Name]
		if len(p.Values["experiment"]) != len(want) || *p.Values["experiment"][7] != want[7] ||
			*p.Values["control"][7] != src["app=checkout,track=baseline"].Series[res.Name][7] {
			t.Fatalf("%s: the chart's values are not the series judged", res.Name)
		}
		sc := p.Scopes["experiment"]
		if sc.StartTimeMillis != start.UnixMilli() || sc.StepMillis != (10*time.Minute/59).Milliseconds() {
			t.Fatalf("%s: scope %+v", res.Name, sc)
		}
	}

	failed := create(t, cj, "checkout", fixture(t, "orca-create-manual.json", "track=canary", "track=missing"))
	run = deckRun{}
	gate(t, cj, "/canary/"+failed+"?storageAccountName=canaryjudge", &run)
	if run.Exception == nil || !strings.Contains(run.Exception.Details.Error, "track=missing") || run.MetricSetPairListID != "" {
		t.Fatalf("a terminal run as Deck shows it: %+v", run.Exception)
	}
	if code, _ := spin(t, cj, "GET", "/kayenta/metricSetPairList/"+failed, nil); code != 404 {
		t.Fatalf("the charts of a terminal run: %d", code)
	}

	cj.MustDo(t, 200, "PUT", "/v1/services/checkout/policy", strings.Replace(tooltest.KayentaPolicy, `"latency":60,"errors":40`, `"latency":50,"errors":50`, 1))
	if code, body := spin(t, cj, "GET", "/kayenta/metricSetPairList/"+id, nil); code != 409 || !strings.Contains(string(body), "version 1") {
		t.Fatalf("charts after the policy changed: %d %s", code, body)
	}
	run = deckRun{}
	gate(t, cj, "/canary/"+id, &run)
	if run.Config == nil || len(run.Config.Metrics) != 2 || run.Config.Classifier.GroupWeights["latency"] != 60 {
		t.Fatalf("the report after the policy changed must show the config it was judged under: %+v", run.Config)
	}
}

// deckScreens checks the config, judges and accounts screens: what Deck
// reads of each.
func deckScreens(t *testing.T, cj *canaryjudgetest.Server) {
	t.Helper()
	var cfg kayentaapi.CanaryConfig
	gate(t, cj, "/canaryConfig/checkout?configurationAccountName=canaryjudge", &cfg)
	if cfg.Name != "checkout" || len(cfg.Metrics) != 2 || cfg.Metrics[0].Query.Type != "prometheus" || cfg.Metrics[0].ScopeName != "default" ||
		cfg.Classifier.GroupWeights["latency"] != 60 || cfg.Judge.Name != kayentaapi.JudgeName || cfg.Metrics[1].AnalysisConfigurations["canary"]["nanStrategy"] != "replace" {
		t.Fatalf("the canary config: %+v", cfg)
	}
	var judges []struct {
		Name    string
		Visible bool
	}
	gate(t, cj, "/judges", &judges)
	if len(judges) != 1 || !judges[0].Visible || judges[0].Name != cfg.Judge.Name {
		t.Fatalf("judges %+v (Deck keeps the visible ones)", judges)
	}
	var accounts []struct {
		Name           string
		SupportedTypes []string
	}
	gate(t, cj, "/credentials", &accounts)
	if len(accounts) != 1 || accounts[0].Name != "canaryjudge" || !slices.Contains(accounts[0].SupportedTypes, "OBJECT_STORE") {
		t.Fatalf("accounts %+v", accounts)
	}
}

// Kayenta's standalone canary analysis is not served: 501, naming what to
// use instead.
func TestStandaloneCanaryAnalysis(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(stageSource()))
	for _, c := range []struct{ method, path string }{
		{"POST", "/kayenta/standalone_canary_analysis/checkout?metricsAccountName=prom"},
		{"POST", "/kayenta/standalone_canary_analysis"},
		{"GET", "/kayenta/standalone_canary_analysis/sca_1"},
		{"PUT", "/kayenta/standalone_canary_analysis/sca_1/cancel"},
	} {
		var body []byte
		if c.method == "POST" {
			body = []byte(`{"scopes":[{"controlScope":"a","experimentScope":"b"}],"thresholds":{"pass":75,"marginal":50},"lifetimeDurationMins":30}`)
		}
		code, out := spin(t, cj, c.method, c.path, body)
		if code != 501 || !strings.Contains(string(out), "POST /v1/releases/{id}/runs") || !strings.Contains(string(out), "canary stage") {
			t.Errorf("%s %s: %d %s", c.method, c.path, code, out)
		}
	}
}
