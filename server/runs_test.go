package server_test

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/source"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

func runServer(t *testing.T) (*httptest.Server, store.Full, string) {
	t.Helper()
	st := memory.New()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry(),
		Backends: map[string]source.Backend{"prometheus": promsrc.Backend{}}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	pol, err := os.ReadFile("../source/prometheus/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r := call(t, srv, "PUT", "/v1/services/checkout/policy", pol, "Content-Type", "application/yaml"); r.StatusCode != 201 {
		t.Fatalf("policy: %d %s", r.StatusCode, r.Body)
	}
	r := call(t, srv, "POST", "/v1/releases", `{"service":"checkout","target":"eu","version":"v2","baseline_version":"v1"}`)
	var rel struct{ ID string }
	_ = json.Unmarshal(r.Body, &rel)
	return srv, st, rel.ID
}

func TestSourcesAPI(t *testing.T) {
	srv, _, _ := runServer(t)
	put := func(body string) apiResponse { return call(t, srv, "PUT", "/v1/sources/prom", body) }
	if r := put(`{"type":"prometheus","config":{"url":"http://prom:9090","bearer_token":"s3cret"}}`); r.StatusCode != 201 || strings.Contains(string(r.Body), "s3cret") || !strings.Contains(string(r.Body), `"bearer_token":"(set)"`) {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	if r := put(`{"type":"prometheus","config":{"url":"http://prom:9091","bearer_token":"(set)","step":"30s"}}`); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"version":2`) {
		t.Fatalf("replace keeping the token: %d %s", r.StatusCode, r.Body)
	}
	for body, field := range map[string]string{
		`{"type":"prometheus","config":{"url":"ftp://x"}}`:                          "config.url",
		`{"type":"prometheus","config":{"url":"http://u:p@x"}}`:                     "config.url",
		`{"type":"prometheus","config":{"url":"http://x","step":"0.1s"}}`:           "config.step",
		`{"type":"prometheus","config":{"url":"http://x","timeout":5}}`:             "config",
		`{"type":"prometheus","config":{"url":"http://x","nope":1}}`:                "config",
		`{"type":"graphite","config":{}}`:                                           "type",
		`{"type":"prometheus","config":{"url":"http://x"},"extra":1}`:               "extra",
		`{"type":"prometheus","config":{"url":"http://x","tls":{"ca_pem":"junk"}}}`: "config.tls.ca_pem",
	} {
		r := put(body)
		if r.StatusCode != 400 || !strings.Contains(string(r.Body), `"field":"`+field) {
			t.Errorf("%s: %d %s; want 400 naming %s", body, r.StatusCode, r.Body, field)
		}
	}
	if r := call(t, srv, "GET", "/v1/sources", nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), "prom:9091") || strings.Contains(string(r.Body), "s3cret") {
		t.Fatalf("list: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "GET", "/v1/sources/nope", nil); r.StatusCode != 404 {
		t.Fatalf("unknown source: %d", r.StatusCode)
	}
}

const goodRun = `{"source":"prom","interval":"1m","lifetime":"10m","scope":{"canary":{"app":"checkout","track":"canary"},"baseline":{"app":"checkout","track":"baseline"}}}`

func TestRunsAPI(t *testing.T) {
	srv, st, rel := runServer(t)
	call(t, srv, "PUT", "/v1/sources/prom", `{"type":"prometheus","config":{"url":"http://prom:9090"}}`)
	path := "/v1/releases/" + rel + "/runs"
	for body, field := range map[string]string{
		`{"interval":"1m","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                                                   "source",
		`{"source":"nope","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                                                   "source",
		`{"source":"prom","scope":{"canary":{},"baseline":{"a":"c"}}}`:                                                          "scope.canary",
		`{"source":"prom","scope":{"canary":{"bad-name":"x"},"baseline":{"a":"c"}}}`:                                            "scope.canary",
		`{"source":"prom","scope":{"canary":{"a":"x\u0000y"},"baseline":{"a":"c"}}}`:                                            "",
		`{"source":"prom","lookback":"2m","interval":"1m","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                   "lookback",
		`{"source":"prom","interval":"1s","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                                   "interval",
		`{"source":"prom","lifetime":"30s","interval":"1m","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                  "lifetime",
		`{"source":"prom","interval":"10s","lifetime":"24h","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                 "lifetime",
		`{"source":"prom","start":"2026-01-01T00:00:00Z","begin_after":"1m","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`: "start",
		`{"source":"prom","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}},"extra":true}`:                                      "extra",
		`{"source":"prom","interval":5,"scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                                      "interval",
		`{"source":"prom","interval":"5 minutes","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`:                            "interval",
	} {
		r := call(t, srv, "POST", path, body)
		if r.StatusCode != 400 || !strings.Contains(string(r.Body), `"field":"`+field) {
			t.Errorf("%s: %d %s; want 400 naming %q", body, r.StatusCode, r.Body, field)
		}
	}
	if runs, _ := st.ListRuns(context.Background(), store.RunQuery{}); len(runs) != 0 {
		t.Fatalf("refused requests stored %d runs", len(runs))
	}
	r := call(t, srv, "POST", path, goodRun)
	var run struct {
		ID, Status, Progress string
		Windows              struct{ Done, Total int }
	}
	_ = json.Unmarshal(r.Body, &run)
	if r.StatusCode != 202 || r.Header.Get("Location") != srv.URL+"/v1/runs/"+run.ID || run.Status != "RUNNING" || run.Windows.Total != 10 || !strings.Contains(run.Progress, "0 of 10") {
		t.Fatalf("create: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "POST", path, goodRun); r.StatusCode != 409 || !strings.Contains(string(r.Body), run.ID) {
		t.Fatalf("second run: %d %s; want 409 naming %s", r.StatusCode, r.Body, run.ID)
	}
	if r := call(t, srv, "GET", "/v1/runs?state=RUNNING", nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), run.ID) {
		t.Fatalf("list: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "GET", "/v1/runs?state=running", nil); r.StatusCode != 400 {
		t.Fatalf("lower-case state: %d", r.StatusCode)
	}
	if r := call(t, srv, "GET", "/v1/runs/"+run.ID, nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"status":"RUNNING"`) {
		t.Fatalf("get: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "DELETE", "/v1/runs/"+run.ID, nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"status":"CANCELED"`) {
		t.Fatalf("cancel: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "DELETE", "/v1/runs/"+run.ID, nil); r.StatusCode != 409 {
		t.Fatalf("second cancel: %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "GET", "/v1/runs/run_nope", nil); r.StatusCode != 404 {
		t.Fatalf("unknown run: %d", r.StatusCode)
	}
	if r := call(t, srv, "GET", "/v1/runs/"+run.ID+"/windows", nil); r.StatusCode != 200 || string(r.Body) != "{\"windows\":[]}\n" {
		t.Fatalf("windows: %d %s", r.StatusCode, r.Body)
	}
	// A policy whose query has no {{scope}} cannot be run.
	call(t, srv, "PUT", "/v1/services/search/policy", `{"metrics":[{"name":"lat","group":"g","direction":"increase","query":"up"}]}`)
	r = call(t, srv, "POST", "/v1/releases", `{"service":"search","target":"eu","version":"v2","baseline_version":"v1"}`)
	var rel2 struct{ ID string }
	_ = json.Unmarshal(r.Body, &rel2)
	if r := call(t, srv, "POST", "/v1/releases/"+rel2.ID+"/runs", goodRun); r.StatusCode != 400 || !strings.Contains(string(r.Body), "policy.metrics[0].query") {
		t.Fatalf("query without scope: %d %s", r.StatusCode, r.Body)
	}
}

// DELETE /v1/sources/{name}: refused while a running run pulls from it
// (409 naming the run), then deleted once the run ends; a source from the
// server's file cannot be deleted over the API.
func TestDeleteSourceAPI(t *testing.T) {
	srv, st, rel := runServer(t)
	call(t, srv, "PUT", "/v1/sources/prom", `{"type":"prometheus","config":{"url":"http://prom:9090"}}`)
	r := call(t, srv, "POST", "/v1/releases/"+rel+"/runs", goodRun)
	var run struct{ ID string }
	_ = json.Unmarshal(r.Body, &run)
	if r.StatusCode != 202 {
		t.Fatalf("run: %d %s", r.StatusCode, r.Body)
	}
	r = call(t, srv, "DELETE", "/v1/sources/prom", nil)
	var p struct {
		Type    string
		Current struct{ Runs []string }
	}
	_ = json.Unmarshal(r.Body, &p)
	if r.StatusCode != 409 || !strings.HasSuffix(p.Type, "source-in-use") || len(p.Current.Runs) != 1 || p.Current.Runs[0] != run.ID {
		t.Fatalf("delete in use: %d %s; want 409 source-in-use naming %s", r.StatusCode, r.Body, run.ID)
	}
	if r := call(t, srv, "GET", "/v1/sources/prom", nil); r.StatusCode != 200 {
		t.Fatalf("a refused delete removed the source: %d", r.StatusCode)
	}
	call(t, srv, "DELETE", "/v1/runs/"+run.ID, nil)
	if r := call(t, srv, "DELETE", "/v1/sources/prom", nil); r.StatusCode != 204 {
		t.Fatalf("delete: %d %s", r.StatusCode, r.Body)
	}
	for path, want := range map[string]int{"/v1/sources/prom": 404, "/v1/sources/Bad%20Name": 400} {
		if r := call(t, srv, "DELETE", path, nil); r.StatusCode != want {
			t.Errorf("DELETE %s: %d %s, want %d", path, r.StatusCode, r.Body, want)
		}
	}
	if r := call(t, srv, "POST", "/v1/releases/"+rel+"/runs", goodRun); r.StatusCode != 400 || !strings.Contains(string(r.Body), `"field":"source"`) {
		t.Fatalf("run on the deleted source: %d %s", r.StatusCode, r.Body)
	}
	audit, _ := st.AuditLog(context.Background(), store.AuditQuery{})
	if last := audit[len(audit)-1]; last.Action != "source:delete" {
		t.Errorf("last audit entry %+v, want source:delete", last)
	}

	static := httptest.NewServer(server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: memory.New(), Registry: prometheus.NewRegistry(),
		Backends:      map[string]source.Backend{"prometheus": promsrc.Backend{}},
		StaticSources: map[string]store.SourceRecord{"filed": {Name: "filed", Type: "prometheus", Config: []byte(`{"url":"http://p:9090"}`)}}}))
	t.Cleanup(static.Close)
	if r := call(t, static, "DELETE", "/v1/sources/filed", nil); r.StatusCode != 409 || !strings.Contains(string(r.Body), "source-from-file") {
		t.Fatalf("delete of a file's source: %d %s", r.StatusCode, r.Body)
	}
}
