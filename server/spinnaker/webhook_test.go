package spinnaker_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
)

// orcaStage is a webhook stage as orca's WebhookStage.StageData reads it.
type orcaStage struct {
	RefID               string         `json:"refId"`
	Name                string         `json:"name"`
	Type                string         `json:"type"`
	Method              string         `json:"method"`
	URL                 string         `json:"url"`
	CustomHeaders       map[string]any `json:"customHeaders"`
	Payload             any            `json:"payload"`
	WaitForCompletion   bool           `json:"waitForCompletion"`
	StatusURLResolution string         `json:"statusUrlResolution"`
	StatusJSONPath      string         `json:"statusJsonPath"`
	ProgressJSONPath    string         `json:"progressJsonPath"`
	SuccessStatuses     string         `json:"successStatuses"`
	TerminalStatuses    string         `json:"terminalStatuses"`
	CanceledStatuses    string         `json:"canceledStatuses"`
	CancelEndpoint      string         `json:"cancelEndpoint"`
	CancelMethod        string         `json:"cancelMethod"`
	CancelPayload       any            `json:"cancelPayload"`
	StageTimeoutMs      int64          `json:"stageTimeoutMs"`
	StageEnabled        *struct {
		Expression string `json:"expression"`
	} `json:"stageEnabled"`
}

// pipeline reads the documented stages, with Spinnaker's expressions
// evaluated the way orca would for this execution (exprs: expression →
// value; "${...}" left unknown fails the test).
func pipeline(t *testing.T, exprs map[string]string) map[string]orcaStage {
	t.Helper()
	raw, err := os.ReadFile("../../docs/integrations/spinnaker.md")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## 3. Webhook stages.*?```json\n(.*?)```").FindSubmatch(raw)
	if m == nil {
		t.Fatal("docs/integrations/spinnaker.md has no webhook stage JSON")
	}
	doc := string(m[1])
	for k, v := range exprs {
		doc = strings.ReplaceAll(doc, k, v)
	}
	var p struct{ Stages []orcaStage }
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatalf("the documented pipeline is not JSON: %v", err)
	}
	out := map[string]orcaStage{}
	for _, s := range p.Stages {
		out[s.Name] = s
	}
	return out
}

// orcaResponse is what orca keeps of a webhook call.
type orcaResponse struct {
	status   int
	location string
	body     map[string]any
}

// orcaCall sends a stage's request as orca's WebhookService builds it: the
// custom headers, the payload as JSON, RestTemplate's Accept.
func orcaCall(t *testing.T, method, target string, headers map[string]any, payload any) orcaResponse {
	t.Helper()
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			t.Fatal(err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, target, body)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range headers {
		req.Header.Set(k, v.(string))
	}
	req.Header.Set("Accept", "application/json, application/*+json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := orcaResponse{status: resp.StatusCode, location: resp.Header.Get("Location")}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out.body); err != nil {
		t.Fatalf("%s %s: %d, body not JSON: %s", method, target, resp.StatusCode, raw)
	}
	return out
}

// jsonPath reads "$.a.b" from a decoded body.
func jsonPath(body map[string]any, path string) any {
	var cur any = body
	for _, k := range strings.Split(strings.TrimPrefix(path, "$."), ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[k]
	}
	return cur
}

// statusURL is WebhookStatusCheckUrlRetriever with locationHeader: the
// Location verbatim, which must be absolute on the webhook's host.
func statusURL(t *testing.T, stage orcaStage, r orcaResponse) string {
	t.Helper()
	if stage.StatusURLResolution != "locationHeader" {
		t.Fatalf("the documented stage resolves its status URL by %q", stage.StatusURLResolution)
	}
	u, err := url.Parse(r.location)
	w, _ := url.Parse(stage.URL)
	if err != nil || !u.IsAbs() || u.Host != w.Host {
		t.Fatalf("Location %q: orca polls it verbatim, so it must be absolute on %s", r.location, w.Host)
	}
	return r.location
}

// monitor is MonitorWebhookTask: GET the status URL until its status maps
// to SUCCEEDED, TERMINAL or CANCELED (anything else is RUNNING), checking
// what orca checks: a single status value, a String progress. Each poll
// moves the server's clock on a minute (orca polls every 15 s; windows are
// 5 minutes), until the data ends; the loop is bounded.
func monitor(t *testing.T, stage orcaStage, status string, clk *testclock.Clock, until time.Time) (string, map[string]any) {
	t.Helper()
	statuses := map[string]string{}
	for kind, list := range map[string]string{"SUCCEEDED": stage.SuccessStatuses, "TERMINAL": stage.TerminalStatuses, "CANCELED": stage.CanceledStatuses} {
		for _, s := range strings.Split(list, ",") {
			statuses[strings.ToUpper(strings.TrimSpace(s))] = kind
		}
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		r := orcaCall(t, "GET", status, stage.CustomHeaders, nil)
		if r.status/100 != 2 {
			t.Fatalf("status poll: %d %v (orca: TERMINAL on a 4xx)", r.status, r.body)
		}
		s, ok := jsonPath(r.body, stage.StatusJSONPath).(string)
		if _, prog := jsonPath(r.body, stage.ProgressJSONPath).(string); !ok || !prog {
			t.Fatalf("status %v / progress %v are not strings: %v", jsonPath(r.body, stage.StatusJSONPath), jsonPath(r.body, stage.ProgressJSONPath), r.body)
		}
		if kind, done := statuses[strings.ToUpper(s)]; done {
			return kind, r.body
		}
		if clk.Now().Before(until) {
			clk.Advance(time.Minute)
		}
		<-tick.C
	}
	t.Fatal("the run did not end in time")
	return "", nil
}

// enabled evaluates the documented stageEnabled expressions, all of the
// form "...['decision']['action'] == 'X'".
func enabled(stage orcaStage, action string) bool {
	if stage.StageEnabled == nil {
		return true
	}
	m := regexp.MustCompile(`== '(\w+)'`).FindStringSubmatch(stage.StageEnabled.Expression)
	return m != nil && m[1] == action
}

// The documented webhook stages, replayed as orca makes their requests,
// against scheduled runs over a real Prometheus: a healthy canary ends
// SUCCEEDED with promote and takes the promote branch; a bad one ends
// TERMINAL with rollback and takes the rollback branch; a cancelled
// pipeline calls the stage's cancelEndpoint and the run stops judging.
func TestWebhookStagePipeline(t *testing.T) {
	t0 := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
	prom := promtest.Start(t, promtest.Canaries(t0, "bad", "healthy", "bad"))
	raw, err := os.ReadFile("../../source/prometheus/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	policy, err := yaml.YAMLToJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]struct{ app, kind, action, branch, state string }{
		"healthy":   {"healthy", "SUCCEEDED", "promote", "promote", "promoted"},
		"bad":       {"bad", "TERMINAL", "rollback", "roll back", "rolling_back"},
		"cancelled": {"healthy", "CANCELED", "", "", "baking"},
	} {
		t.Run(name, func(t *testing.T) {
			clk := testclock.New(t0)
			p := startPipeline(t, prom.URL, policy, clk, want.app)
			if want.kind == "CANCELED" {
				cancelPipeline(t, p)
			}
			kind, body := monitor(t, p.analysis, p.status, clk, t0.Add(70*time.Minute))
			action, _ := jsonPath(body, "$.decision.action").(string)
			if kind != want.kind || action != want.action {
				t.Fatalf("the run ended %s with %q, want %s with %q: %v", kind, action, want.kind, want.action, body)
			}
			for _, name := range []string{"promote", "roll back"} {
				s := p.stages[name]
				if enabled(s, action) != (name == want.branch) {
					t.Fatalf("branch %q enabled=%v for %s", name, enabled(s, action), action)
				}
				if name == want.branch {
					if r := orcaCall(t, s.Method, s.URL, s.CustomHeaders, s.Payload); r.status != 200 {
						t.Fatalf("%s: %d %v", name, r.status, r.body)
					}
				}
			}
			var got struct{ Release struct{ State string } }
			p.cj.MustDo(t, 200, "GET", "/v1/releases/"+p.release, nil).Decode(t, &got)
			if got.Release.State != want.state {
				t.Fatalf("release %s after the branch: %s, want %s", p.release, got.Release.State, want.state)
			}
		})
	}
}

// execution is one execution of the documented stages, up to the started run.
type execution struct {
	cj       *canaryjudgetest.Server
	stages   map[string]orcaStage
	analysis orcaStage
	release  string
	status   string // the run's status URL
}

const webhookToken = "spinnaker-webhook-token-0123456789abcdef"

// startPipeline runs the release stage and starts the analysis stage (its
// createWebhook task) for app's canary.
func startPipeline(t *testing.T, promURL string, policy []byte, clk *testclock.Clock, app string) execution {
	t.Helper()
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now), canaryjudgetest.WithAdminToken(webhookToken))
	cj.MustDo(t, 201, "PUT", "/v1/sources/prometheus", `{"type":"prometheus","config":{"url":"`+promURL+`","step":"15s"}}`)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", policy)
	exprs := map[string]string{"http://canaryjudge.canaryjudge:8080": cj.URL, "${canaryjudgeToken}": webhookToken,
		"${trigger['tag']}": "v2", "${parameters['baseline']}": "v1", "${execution['id']}": "01HZX3V6",
		`"app": "checkout"`: `"app": "` + app + `"`}
	stages := pipeline(t, exprs)
	rel := stages["canaryjudge release"]
	created := orcaCall(t, rel.Method, rel.URL, rel.CustomHeaders, rel.Payload)
	id, _ := created.body["id"].(string)
	if created.status != 201 || id == "" {
		t.Fatalf("create release: %d %v", created.status, created.body)
	}
	exprs["${#stage('canaryjudge release')['context']['webhook']['body']['id']}"] = id
	stages = pipeline(t, exprs)
	an := stages["canaryjudge analysis"]
	checkTimeout(t, an)
	started := orcaCall(t, an.Method, an.URL, an.CustomHeaders, an.Payload)
	if started.status != 202 || !an.WaitForCompletion {
		t.Fatalf("start run: %d %v", started.status, started.body)
	}
	return execution{cj: cj, stages: stages, analysis: an, release: id, status: statusURL(t, an, started)}
}

// checkTimeout: MonitorWebhookTask gives up after an hour unless the stage
// sets stageTimeoutMs; it must outlast the run (its lifetime and one more
// interval for the last window's delay).
func checkTimeout(t *testing.T, an orcaStage) {
	t.Helper()
	p, _ := an.Payload.(map[string]any)
	lifetime, err1 := time.ParseDuration(p["lifetime"].(string))
	interval, err2 := time.ParseDuration(p["interval"].(string))
	if err1 != nil || err2 != nil {
		t.Fatalf("the documented run's lifetime and interval: %v %v", err1, err2)
	}
	if got := time.Duration(an.StageTimeoutMs) * time.Millisecond; got <= lifetime+interval || got <= time.Hour {
		t.Fatalf("stageTimeoutMs is %s; orca would time the stage out before the run (lifetime %s) ends", got, lifetime)
	}
}

// cancelPipeline is a pipeline cancelled while its analysis runs: after a
// poll, orca calls the stage's cancelEndpoint as WebhookService does
// (cancelMethod, default POST; the custom headers; cancelPayload as the
// body). The run is cancelled (a second call finds nothing to cancel),
// and the release can get a new run: the old one no longer holds it.
func cancelPipeline(t *testing.T, p execution) {
	t.Helper()
	if r := orcaCall(t, "GET", p.status, p.analysis.CustomHeaders, nil); jsonPath(r.body, "$.status") != "RUNNING" {
		t.Fatalf("before the cancel: %v", r.body)
	}
	method := p.analysis.CancelMethod
	if method == "" {
		method = "POST"
	}
	r := orcaCall(t, method, p.analysis.CancelEndpoint, p.analysis.CustomHeaders, p.analysis.CancelPayload)
	runID := p.status[strings.LastIndex(p.status, "/")+1:]
	if got, _ := r.body["cancelled"].([]any); r.status != 200 || len(got) != 1 || got[0] != runID {
		t.Fatalf("cancelEndpoint %s: %d %v, want run %s cancelled", p.analysis.CancelEndpoint, r.status, r.body, runID)
	}
	if again := orcaCall(t, method, p.analysis.CancelEndpoint, p.analysis.CustomHeaders, p.analysis.CancelPayload); len(again.body["cancelled"].([]any)) != 0 {
		t.Fatalf("a repeated cancel: %v", again.body)
	}
	p.cj.MustDo(t, 202, "POST", "/v1/releases/"+p.release+"/runs", `{"source":"prometheus","scope":{"canary":{"app":"healthy","track":"canary"},"baseline":{"app":"healthy","track":"baseline"}}}`)
}
