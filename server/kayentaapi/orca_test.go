package kayentaapi_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
)

// spin sends one request as orca's and gate's Retrofit clients do (JSON
// bodies as application/json; charset=UTF-8, Spinnaker's identity
// headers, no Authorization: a token goes in the path) and returns the
// status and the body.
func spin(t *testing.T, cj *canaryjudgetest.Server, method, path string, body []byte) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, cj.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json; charset=UTF-8")
	}
	req.Header.Set("X-SPINNAKER-USER", "anonymous")
	req.Header.Set("X-SPINNAKER-EXECUTION-ID", "01JDQ6W3H7")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// fixture is one of testdata/spinnaker's requests, replacements applied.
func fixture(t *testing.T, file string, replace ...string) []byte {
	t.Helper()
	raw, err := os.ReadFile("testdata/spinnaker/" + file)
	if err != nil {
		t.Fatal(err)
	}
	return []byte(strings.NewReplacer(replace...).Replace(string(raw)))
}

// orcaQuery is what KayentaService.create sends beside the body:
// application, the parent pipeline execution and the three accounts of
// the stage's canaryConfig (RunKayentaCanaryTask at orca 2fdb327a).
const orcaQuery = "?application=checkout&parentPipelineExecutionId=01JDQ6W3H7&metricsAccountName=prom" +
	"&configurationAccountName=canaryjudge&storageAccountName=canaryjudge"

// orcaResults is CanaryResults as orca's Kotlin class needs it
// (KayentaService.kt at orca 2fdb327a): a missing non-null field fails the
// stage, score.score is read as an Int.
type orcaResults struct {
	Complete    *bool
	Status      *string
	Application *string
	Exception   map[string]any
	Result      *struct {
		JudgeResult struct {
			Score struct {
				Score                *float64
				Classification       *string
				ClassificationReason *string
			}
			Results []struct {
				ControlMetadata struct{ Stats struct{ Count *int } }
			}
		}
	}
}

// monitored is what MonitorKayentaCanaryTask made of an execution.
type monitored struct {
	status   string // SUCCEEDED, TERMINAL, FAILED_CONTINUE
	score    int
	message  string
	warnings []string
}

// monitorCanary replays MonitorKayentaCanaryTask.execute for one execution
// of a stage with a metrics account and thresholds (orca 2fdb327a): poll
// until complete; on success read the score as an Int, ask for the
// credentials (the stage's account's type decides the data-point warning)
// and fail the stage at or below marginal.
func monitorCanary(t *testing.T, cj *canaryjudgetest.Server, id string, marginal int) monitored {
	t.Helper()
	for range 100 {
		code, body := spin(t, cj, "GET", "/kayenta/canary/"+id+"?storageAccountName=canaryjudge", nil)
		var r orcaResults
		if err := json.Unmarshal(body, &r); code != 200 || err != nil {
			t.Fatalf("GET /canary/%s: %d %v %s", id, code, err, body)
		}
		if r.Complete == nil || r.Status == nil || r.Application == nil || *r.Application == "" {
			t.Fatalf("orca's CanaryResults needs complete, status and application: %s", body)
		}
		switch strings.ToUpper(*r.Status) {
		case "SUCCEEDED":
			return succeeded(t, cj, r, marginal)
		case "TERMINAL", "CANCELED", "STOPPED":
			return monitored{status: "TERMINAL", message: errorOf(r.Exception)}
		}
	}
	t.Fatal("the execution never completed")
	return monitored{}
}

func succeeded(t *testing.T, cj *canaryjudgetest.Server, r orcaResults, marginal int) monitored {
	t.Helper()
	if r.Result == nil || r.Result.JudgeResult.Score.Score == nil {
		t.Fatal("a succeeded execution without result.judgeResult.score.score")
	}
	m := monitored{status: "SUCCEEDED", score: int(*r.Result.JudgeResult.Score.Score)}
	code, body := spin(t, cj, "GET", "/kayenta/credentials", nil)
	var creds []struct{ Name, Type *string }
	if err := json.Unmarshal(body, &creds); code != 200 || err != nil {
		t.Fatalf("GET /credentials: %d %v %s (orca fails the stage)", code, err, body)
	}
	credType := ""
	for _, c := range creds {
		if c.Name == nil || c.Type == nil {
			t.Fatalf("KayentaCredential needs name and type: %s", body)
		}
		if *c.Name == "prom" {
			credType = *c.Type
		}
	}
	for _, res := range r.Result.JudgeResult.Results {
		if res.ControlMetadata.Stats.Count == nil {
			t.Fatal("a result without controlMetadata.stats.count")
		}
		if credType != "datadog" && *res.ControlMetadata.Stats.Count < 50 {
			m.warnings = []string{"One of the metrics returned fewer than 50 data points"}
		}
	}
	if m.score <= marginal {
		m.status, m.message = "TERMINAL", "Canary score is not above the marginal score threshold."
	}
	return m
}

// errorOf is the message Deck shows of an exception (details.error).
func errorOf(e map[string]any) string {
	d, _ := e["details"].(map[string]any)
	s, _ := d["error"].(string)
	return s
}

// create is RunKayentaCanaryTask: the execution's id, as orca reads it.
func create(t *testing.T, cj *canaryjudgetest.Server, config string, body []byte) string {
	t.Helper()
	code, out := spin(t, cj, "POST", "/kayenta/canary/"+config+orcaQuery, body)
	var r map[string]any
	if err := json.Unmarshal(out, &r); code != 200 || err != nil {
		t.Fatalf("POST /canary/%s: %d %v %s", config, code, err, out)
	}
	id, ok := r["canaryExecutionId"].(string)
	if !ok || id == "" {
		t.Fatalf("no canaryExecutionId: %s", out)
	}
	return id
}
