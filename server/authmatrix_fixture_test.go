package server_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/source"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
)

// The tenants of the auth matrix: alpha's data must never reach a token
// limited to bravo, and no credential must reach anyone.
const (
	alphaTarget  = "tgt-alpha-x9"
	alphaVersion = "v-alpha-x9"
	alphaReason  = "alpha freeze x9"
	alphaScope   = "alpha-scope-x9"
	kayentaSvc   = "alphak"
)

// secrets are the credentials the fixture stores: none may appear in any
// answer, to any token, nor in any page of the UI.
var secrets = []string{"ALPHA-SECRET-URLQ", "ALPHA-SECRET-HMAC", "ALPHA-SECRET-ROUTING-KEY", "ALPHASECRETSLACK",
	"SOURCE-SECRET-Q", "SOURCE-SECRET-BEARER", "SOURCE-SECRET-PASSWORD", "BRAVO-SECRET-HMAC"}

// matrixFixture is a server with auth on, two tenants' data and one token
// of each kind.
type matrixFixture struct {
	srv      *httptest.Server
	st       store.Full
	tokens   map[string]string // token kind -> secret ("" for none)
	alphaRel string            // halted: its escalation paged
	bravoRel string
	alphaRun string
	alphaExe string // a Kayenta execution of alphak
	deadID   int64  // a dead page of alpha's
}

// tenantPolicy is testPolicy with queries (so runs can start) and sinks.
func tenantPolicy(sinks string) string {
	return `{"metrics":[
	  {"name":"latency_p99","group":"latency","direction":"increase","query":"sum(rate(h{ {{scope}} }[1m]))"},
	  {"name":"error_ratio","kind":"ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05,"query":"sum(rate(e{ {{scope}} }[1m]))"}],
	 "groups":{"latency":70,"errors":30},
	 "windows":{"interval":"5m","min_windows":3,"min_bake":"10m","consecutive_failures":2,"consecutive_nodata":3,"max_windows":1000},
	 "notify":` + sinks + `}`
}

func alphaSinks(gone string) string {
	return `[{"kind":"webhook","url":"` + gone + `/hook?key=ALPHA-SECRET-URLQ","secret":"ALPHA-SECRET-HMAC"},
	  {"kind":"pagerduty","url":"` + gone + `/pd","routing_key":"ALPHA-SECRET-ROUTING-KEY-0000000"},
	  {"kind":"slack","url":"` + gone + `/services/T0/B0/ALPHASECRETSLACK"}]`
}

const sourceConfig = `{"url":"http://127.0.0.1:9/prom?k=SOURCE-SECRET-Q","bearer_token":"SOURCE-SECRET-BEARER","timeout":"200ms","retries":0}`

func newMatrixFixture(t *testing.T, st store.Full) *matrixFixture {
	t.Helper()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, Auth: true, AdminTokenHash: server.HashToken(bootSecret)},
		server.Deps{Store: st, Registry: prometheus.NewRegistry(), Classifier: sqlcheck.Classifier{},
			Backends: map[string]source.Backend{"prometheus": promsrc.Backend{}}})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	f := &matrixFixture{srv: srv, st: st, tokens: map[string]string{"none": "", "wrong": "cj_wrong_secret_0123456789abcdef"}}
	do := func(method, path, body string, want int) apiResponse {
		t.Helper()
		var b any
		if body != "" {
			b = body
		}
		r := call(t, srv, method, path, b, admin...)
		if r.StatusCode != want {
			t.Fatalf("fixture %s %s = %d, want %d: %s", method, path, r.StatusCode, want, r.Body)
		}
		return r
	}
	gone := newSinkServer(t, 410)
	do("PUT", "/v1/services/alpha/policy", tenantPolicy(alphaSinks(gone.URL)), 201)
	do("PUT", "/v1/services/bravo/policy", tenantPolicy(`[{"kind":"webhook","url":"`+gone.URL+`/bravo","secret":"BRAVO-SECRET-HMAC"}]`), 201)
	do("PUT", "/v1/services/"+kayentaSvc+"/policy", `{"mode":"kayenta","metrics":[{"name":"error_ratio","group":"errors","direction":"increase","query":"sum(rate(e{ {{scope}} }[1m]))"}]}`, 201)
	do("PUT", "/v1/sources/prom", `{"type":"prometheus","config":`+sourceConfig+`}`, 201)
	do("PUT", "/v1/sources/doomed-src", `{"type":"prometheus","config":{"url":"http://127.0.0.1:9"}}`, 201)
	f.alphaRel = decode[store.Release](t, do("POST", "/v1/releases", `{"service":"alpha","target":"`+alphaTarget+`","version":"`+alphaVersion+
		`","baseline_version":"b-alpha-x9","migrations":[{"id":"9","compat":"incompatible"}]}`, 201)).ID
	f.bravoRel = decode[store.Release](t, do("POST", "/v1/releases", `{"service":"bravo","target":"tgt-bravo","version":"v2","baseline_version":"v1"}`, 201)).ID
	run := `{"source":"prom","interval":"1m","lifetime":"10m","scope":{"canary":{"app":"` + alphaScope + `"},"baseline":{"app":"base"}}}`
	f.alphaRun = decode[store.Run](t, do("POST", "/v1/releases/"+f.alphaRel+"/runs", run, 202)).ID
	do("POST", "/v1/releases/"+f.alphaRel+"/analyses", erroring(5), 200) // a critical ceiling past a contract migration: escalate, page
	do("POST", "/v1/releases/"+f.bravoRel+"/analyses", healthy(5), 200)
	do("PUT", "/v1/freezes/service:alpha", `{"reason":"`+alphaReason+`"}`, 200)
	do("PUT", "/v1/freezes/service:bravo", `{"reason":"bravo freeze"}`, 200)
	exe := do("POST", "/kayenta/canary/"+kayentaSvc+"?metricsAccountName=prom", kayentaRequest, 200)
	f.alphaExe = decode[map[string]string](t, exe)["canaryExecutionId"]
	d := notify.New(st, notify.Options{})
	for range 4 { // every sink once: each answers 410, so each page dies at once
		if _, err := d.Tick(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	dead, err := st.ListOutbox(context.Background(), outboxDeadQuery("alpha"))
	if err != nil || len(dead) == 0 {
		t.Fatalf("no dead page of alpha: %v", err)
	}
	f.deadID = dead[0].ID
	for kind, body := range map[string]string{
		"read":       `{"name":"m-read","scopes":["read"]}`,
		"judge":      `{"name":"m-judge","scopes":["judge"]}`,
		"operator":   `{"name":"m-operator","scopes":["operator"]}`,
		"admin":      `{"name":"m-admin","scopes":["admin"]}`,
		"restricted": `{"name":"m-bravo","scopes":["admin"],"services":["bravo"]}`,
		"revoked":    `{"name":"m-revoked","scopes":["admin"]}`,
	} {
		f.tokens[kind] = decode[map[string]any](t, do("POST", "/v1/tokens", body, 201))["token"].(string)
	}
	do("POST", "/v1/tokens", `{"name":"doomed","scopes":["read"]}`, 201)
	do("DELETE", "/v1/tokens/m-revoked", "", 204)
	return f
}

const kayentaRequest = `{"scopes":{"default":{"controlScope":{"scope":"version=v1","step":60,"start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"},
	"experimentScope":{"scope":"version=v2","step":60,"start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"}}}}`

// tokenSecrets are the fixture's own tokens: none may be echoed back.
func (f *matrixFixture) tokenSecrets() []string {
	var out []string
	for kind, s := range f.tokens {
		if s != "" && kind != "wrong" {
			out = append(out, s)
		}
	}
	return out
}

// alphaMarkers are strings only alpha's data holds (its name as a JSON
// and HTML show it; the word alone is in openapi.yaml's prose).
func (f *matrixFixture) alphaMarkers() []string {
	return []string{`:"alpha"`, `["alpha"`, `"alpha"]`, `service="alpha"`, ">alpha<", "/services/alpha", "service:alpha", kayentaSvc,
		alphaTarget, alphaVersion, alphaReason, alphaScope, f.alphaRel, f.alphaRun, f.alphaExe, fmt.Sprintf(`"id":%d`, f.deadID)}
}

// leaks returns what of alpha's a body shows that its request did not name.
func (f *matrixFixture) leaks(body, request string) []string {
	var out []string
	for _, m := range f.alphaMarkers() {
		if m != "" && strings.Contains(body, m) && !strings.Contains(request, m) {
			out = append(out, m)
		}
	}
	return out
}
