package server_test

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/server/flagger"
	"github.com/canaryjudge/canaryjudge/store"
)

// tokenKinds are the callers the matrix tries on every route, in the order
// it tries them (the allowed writes last, so each refusal sees the data as
// the fixture made it).
var tokenKinds = []string{"none", "wrong", "revoked", "read", "restricted", "judge", "operator", "admin"}

// mreq is one request of the matrix.
type mreq struct{ path, body string }

// mroute is how the matrix calls one operation of openapi.yaml.
type mroute struct {
	reqs func(f *matrixFixture) []mreq
	// alpha: the request names alpha's data, so a token limited to bravo
	// is refused (403). global: it manages what belongs to no service
	// (tokens, sources, the global freeze): refused to such a token too.
	// Otherwise such a token is served, with only bravo's data.
	alpha, global bool
	// notServed: an operation documented to answer 501 (x-not-served)
	// once a caller is allowed.
	notServed bool
}

func one(path, body string) func(*matrixFixture) []mreq {
	return func(*matrixFixture) []mreq { return []mreq{{path, body}} }
}

func rel(suffix, body string) func(*matrixFixture) []mreq {
	return func(f *matrixFixture) []mreq { return []mreq{{"/v1/releases/" + f.alphaRel + suffix, body}} }
}

// matrix has a row for every operation of openapi.yaml ("METHOD /path");
// TestAuthMatrix fails when one is missing, or a row documents nothing.
var matrix = map[string]mroute{
	"GET /healthz":                        {reqs: one("/healthz", "")},
	"GET /readyz":                         {reqs: one("/readyz", "")},
	"GET /openapi.yaml":                   {reqs: one("/openapi.yaml", "")},
	"GET /metrics":                        {reqs: one("/metrics", "")},
	"GET /kayenta/canaryConfig":           {reqs: one("/kayenta/canaryConfig", "")},
	"GET /kayenta/canary/{canaryId}":      {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/kayenta/canary/" + f.alphaExe, ""}} }, alpha: true},
	"GET /v1/services/{service}/policy":   {reqs: one("/v1/services/alpha/policy", ""), alpha: true},
	"GET /v1/services/{service}/verdicts": {reqs: one("/v1/services/alpha/verdicts", ""), alpha: true},
	"GET /v1/releases":                    {reqs: one("/v1/releases?limit=500", "")},
	"GET /v1/releases/{id}":               {reqs: rel("", ""), alpha: true},
	"GET /v1/releases/{id}/decision":      {reqs: rel("/decision", ""), alpha: true},
	"GET /v1/releases/{id}/audit":         {reqs: rel("/audit", ""), alpha: true},
	"GET /v1/releases/{id}/report":        {reqs: rel("/report", ""), alpha: true},
	"GET /v1/freezes":                     {reqs: one("/v1/freezes", "")},
	"GET /v1/audit":                       {reqs: one("/v1/audit?limit=500", "")},
	"GET /v1/tokens":                      {reqs: one("/v1/tokens", ""), global: true},
	"GET /v1/outbox":                      {reqs: one("/v1/outbox?limit=500", "")},
	"GET /v1/runs":                        {reqs: one("/v1/runs?limit=500", "")},
	"GET /v1/runs/{run}":                  {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/v1/runs/" + f.alphaRun, ""}} }, alpha: true},
	"GET /v1/runs/{run}/windows": {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/v1/runs/" + f.alphaRun + "/windows", ""}} },
		alpha: true},
	"GET /v1/sources":        {reqs: one("/v1/sources", "")},
	"GET /v1/sources/{name}": {reqs: one("/v1/sources/prom", "")},

	"POST /v1/judge":            {reqs: one("/v1/judge", judgeRequest)},
	"POST /v1/migrations/check": {reqs: one("/v1/migrations/check", `{"sql":"ALTER TABLE t ADD COLUMN c int"}`)},
	"POST /flagger/{hook}": {reqs: func(*matrixFixture) []mreq {
		var out []mreq
		for _, h := range flagger.Hooks {
			out = append(out, mreq{"/flagger/" + h, `{"name":"alpha","namespace":"flagger-ns","phase":"Progressing","checksum":"c0ffee",` +
				`"metadata":{"service":"alpha","target":"flagger-target","eventMessage":"m","eventType":"Normal"}}`})
		}
		return out
	}, alpha: true},
	"POST /spinnaker/v1/deployment/starting":       {reqs: one("/spinnaker/v1/deployment/starting", spinnakerBody), alpha: true},
	"POST /spinnaker/v1/deployment/evaluateHealth": {reqs: one("/spinnaker/v1/deployment/evaluateHealth", spinnakerBody), alpha: true},
	"POST /spinnaker/v1/deployment/completed": {reqs: one("/spinnaker/v1/deployment/completed", spinnakerBody[:len(spinnakerBody)-1]+
		`,"status":"success"}`), alpha: true},
	"POST /kayenta/canary/{canaryId}":   {reqs: one("/kayenta/canary/"+kayentaSvc+"?metricsAccountName=prom", kayentaRequest), alpha: true},
	"PUT /v1/services/{service}/policy": {reqs: one("/v1/services/alpha/policy", tenantPolicy(`[]`)), alpha: true},
	"POST /v1/releases":                 {reqs: one("/v1/releases", `{"service":"alpha","target":"m-new","version":"v2","baseline_version":"v1"}`), alpha: true},
	"POST /v1/releases/{id}/analyses":   {reqs: rel("/analyses", healthy(7)), alpha: true},
	"POST /v1/releases/{id}/events":     {reqs: rel("/events", `{"type":"promoted"}`), alpha: true},
	"POST /v1/releases/{id}/override":   {reqs: rel("/override", `{"action":"halt","reason":"matrix"}`), alpha: true},
	"POST /v1/releases/{id}/runs":       {reqs: rel("/runs", `{"source":"prom","scope":{"canary":{"a":"b"},"baseline":{"a":"c"}}}`), alpha: true},
	"PUT /v1/freezes/{scope}":           {reqs: one("/v1/freezes/service:alpha", `{"reason":"`+alphaReason+`"}`), alpha: true},
	"POST /v1/outbox/{id}/retry":        {reqs: func(f *matrixFixture) []mreq { return []mreq{{fmt.Sprintf("/v1/outbox/%d/retry", f.deadID), ""}} }, alpha: true},
	"POST /v1/tokens":                   {reqs: one("/v1/tokens", `{"name":"m-new","scopes":["read"]}`), global: true},
	"DELETE /v1/tokens/{name}":          {reqs: one("/v1/tokens/doomed", ""), global: true},
	"PUT /v1/sources/{name}":            {reqs: one("/v1/sources/prom", `{"type":"prometheus","config":`+sourceConfig+`}`), global: true},
	"DELETE /v1/sources/{name}":         {reqs: one("/v1/sources/doomed-src", ""), global: true},
	"DELETE /v1/runs/{run}":             {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/v1/runs/" + f.alphaRun, ""}} }, alpha: true},
	"DELETE /v1/freezes/{scope}":        {reqs: one("/v1/freezes/service:alpha", ""), alpha: true},

	"GET /kayenta/credentials":                  {reqs: one("/kayenta/credentials", "")},
	"GET /kayenta/judges":                       {reqs: one("/kayenta/judges", "")},
	"GET /kayenta/canaryConfig/{canaryId}":      {reqs: one("/kayenta/canaryConfig/"+kayentaSvc, ""), alpha: true},
	"GET /kayenta/metricSetPairList/{canaryId}": {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/kayenta/metricSetPairList/" + f.alphaExe, ""}} }, alpha: true},
	"PUT /kayenta/pipelines/{canaryId}/cancel": {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/kayenta/pipelines/" + f.alphaExe + "/cancel", ""}} },
		alpha: true},
	"POST /kayenta/standalone_canary_analysis":                  {reqs: one("/kayenta/standalone_canary_analysis", "{}"), notServed: true},
	"GET /kayenta/standalone_canary_analysis/{canaryId}":        {reqs: one("/kayenta/standalone_canary_analysis/x1", ""), notServed: true},
	"POST /kayenta/standalone_canary_analysis/{canaryId}":       {reqs: one("/kayenta/standalone_canary_analysis/x1", "{}"), notServed: true},
	"PUT /kayenta/standalone_canary_analysis/{canaryId}/cancel": {reqs: one("/kayenta/standalone_canary_analysis/x1/cancel", ""), notServed: true},
	"POST /spinnaker/v1/releases/{id}/cancel":                   {reqs: func(f *matrixFixture) []mreq { return []mreq{{"/spinnaker/v1/releases/" + f.alphaRel + "/cancel", ""}} }, alpha: true},
	"GET /v1/audit/{entry}": {reqs: func(f *matrixFixture) []mreq {
		log, _ := f.st.AuditLog(context.Background(), store.AuditQuery{ReleaseID: f.alphaRel, Limit: 1})
		if len(log) == 0 {
			return nil
		}
		return []mreq{{fmt.Sprintf("/v1/audit/%d", log[0].ID), ""}}
	}, alpha: true},
}

// bravoShown is what a filtered list must still show the token limited to
// bravo: its own data (so "no leak" never means "nothing at all").
var bravoShown = map[string]func(*matrixFixture) string{
	"GET /v1/releases": func(f *matrixFixture) string { return f.bravoRel },
	"GET /v1/freezes":  func(*matrixFixture) string { return "bravo freeze" },
	"GET /v1/audit":    func(f *matrixFixture) string { return f.bravoRel },
	"GET /metrics":     func(*matrixFixture) string { return `service="bravo"` },
	"GET /v1/sources":  func(*matrixFixture) string { return "(redacted)" },
}

const spinnakerBody = `{"application":"alpha","executionId":"01HZX3V6","stageId":"01HZX3VA","deploymentId":"01HZX3V9",` +
	`"oldServerGroup":"alpha-prod-v041","newServerGroup":"alpha-prod-v042","account":"prod","region":"us-east-1",` +
	`"cloudProvider":"aws","parameters":{"service":"alpha"},"newInstances":[],"currentProgress":10}`

const judgeRequest = `{"policy":{"metrics":[{"name":"m","group":"g","direction":"increase"}]},` +
	`"canary":{"m":[1,2,3,4,5,6,7,8,9,10,11,12]},"baseline":{"m":[1,2,3,4,5,6,7,8,9,10,11,12]}}`

func outboxDeadQuery(service string) outbox.Query {
	return outbox.Query{State: outbox.StateDead, Service: service}
}

// allowedScope reports whether a token of kind holds scope.
func allowedScope(kind, scope string) bool {
	switch kind {
	case "admin", "restricted":
		return true
	case "read", "judge", "operator":
		return scope == "read" || scope == kind
	}
	return false
}

// TestAuthMatrix walks every operation of openapi.yaml with every kind of
// caller (none, a wrong token, a revoked one, read, judge, operator, admin,
// and an admin token limited to another service), on both stores: each
// answer is what the operation's security, x-scope and the token's
// services say (401, 403, or served); none is a 5xx; no answer to the
// restricted token shows alpha's data it did not name; no answer to anyone
// shows a stored credential or a token; nor does any UI page.
func TestAuthMatrix(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]string{} // "METHOD /path" -> x-scope
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			scope, _ := op.Extensions["x-scope"].(string)
			ops[method+" "+path] = scope
		}
	}
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if _, ok := matrix[op]; !ok {
			t.Errorf("openapi.yaml documents %s, which the auth matrix has no row for", op)
		}
	}
	for op := range matrix {
		if _, ok := ops[op]; !ok {
			t.Errorf("the auth matrix has a row for %s, which openapi.yaml does not document", op)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	bothStores(t, func(t *testing.T, st store.Full) {
		f := newMatrixFixture(t, st)
		n, leaks, shown := 0, 0, 0
		reads, writes := splitOps(ops)
		for _, op := range append(reads, writes...) {
			for _, kind := range tokenKinds {
				for _, q := range matrix[op].reqs(f) {
					c := f.check(t, op, ops[op], kind, q)
					n, leaks, shown = n+1, leaks+c.leaks, shown+c.secrets
				}
			}
		}
		ui := f.checkUI(t)
		t.Logf("auth matrix: %d operations x %d callers = %d requests (%d UI pages); %d cross-service reads, %d secrets shown",
			len(ops), len(tokenKinds), n, ui, leaks, shown)
	})
}

// splitOps orders the reads before the writes, each sorted.
func splitOps(ops map[string]string) (reads, writes []string) {
	for _, op := range slices.Sorted(maps.Keys(ops)) {
		if strings.HasPrefix(op, "GET ") {
			reads = append(reads, op)
		} else {
			writes = append(writes, op)
		}
	}
	return reads, writes
}

type checked struct{ leaks, secrets int }

// check makes one request and holds its answer to the matrix's rules.
func (f *matrixFixture) check(t *testing.T, op, scope, kind string, q mreq) checked {
	t.Helper()
	method, _, _ := strings.Cut(op, " ")
	var hdr []string
	if tok := f.tokens[kind]; tok != "" {
		hdr = []string{"Authorization", "Bearer " + tok}
	}
	var reqBody any
	if q.body != "" {
		reqBody = q.body
	}
	cr := call(t, f.srv, method, q.path, reqBody, hdr...) // every answer checked against openapi.yaml
	r := rawResponse{StatusCode: cr.StatusCode, Header: cr.Header, Body: cr.Body}
	at := fmt.Sprintf("%s %s as %s", method, q.path, kind)
	row := matrix[op]
	var want string // "" served, else the status it must be
	switch {
	case scope == "none":
	case kind == "none" || kind == "wrong" || kind == "revoked":
		want = "401"
	case !allowedScope(kind, scope):
		want = "403"
	case kind == "restricted" && (row.alpha || row.global):
		want = "403"
	}
	got := fmt.Sprint(r.StatusCode)
	switch {
	case row.notServed && want == "" && r.StatusCode == 501:
	case r.StatusCode >= 500:
		t.Errorf("%s: %d %s", at, r.StatusCode, clipBody(r.Body))
	case want != "" && got != want:
		t.Errorf("%s: %s, want %s: %s", at, got, want, clipBody(r.Body))
	case want == "" && (r.StatusCode == 401 || r.StatusCode == 403):
		t.Errorf("%s: %s, want it served: %s", at, got, clipBody(r.Body))
	case r.StatusCode == 401 && r.Header.Get("WWW-Authenticate") == "":
		t.Errorf("%s: 401 without WWW-Authenticate", at)
	}
	var c checked
	body := string(r.Body)
	for _, s := range append(slices.Clone(secrets), f.tokenSecrets()...) {
		if strings.Contains(body, s) {
			t.Errorf("%s shows the credential %q: %s", at, s, clipBody(r.Body))
			c.secrets++
		}
	}
	if want, ok := bravoShown[op]; ok && kind == "restricted" && r.StatusCode == 200 && !strings.Contains(body, want(f)) {
		t.Errorf("%s lacks bravo's own %q: %s", at, want(f), clipBody(r.Body))
	}
	if kind == "restricted" {
		if l := f.leaks(body, q.path+q.body); len(l) > 0 {
			i := strings.Index(body, l[0])
			t.Errorf("%s shows alpha's %q: ...%s...", at, l, body[max(0, i-300):min(len(body), i+100)])
			c.leaks++
		}
	}
	return c
}

// checkUI reads the UI's pages as every caller: no page shows a credential
// or a token, and none shows the restricted token alpha's data.
func (f *matrixFixture) checkUI(t *testing.T) int {
	pages := []string{"/ui/", "/ui/?state=halted", "/ui/?service=bravo", "/ui/releases/" + f.alphaRel, "/ui/releases/" + f.bravoRel,
		"/ui/services/alpha", "/ui/services/bravo", "/ui/login"}
	n := 0
	for _, kind := range tokenKinds {
		for _, p := range pages {
			var hdr []string
			if tok := f.tokens[kind]; tok != "" {
				hdr = []string{"Authorization", "Bearer " + tok}
			}
			r := rawCall(t, f.srv, http.MethodGet, p, "", hdr...)
			n++
			at := "UI " + p + " as " + kind
			body := string(r.Body)
			if r.StatusCode >= 500 {
				t.Errorf("%s: %d", at, r.StatusCode)
			}
			for _, s := range append(slices.Clone(secrets), f.tokenSecrets()...) {
				if strings.Contains(body, s) {
					t.Errorf("%s shows the credential %q", at, s)
				}
			}
			if kind == "restricted" {
				if l := f.leaks(body, p); len(l) > 0 {
					t.Errorf("%s (%d) shows alpha's %q", at, r.StatusCode, l)
				}
			}
		}
	}
	return n
}

func clipBody(b []byte) string {
	if len(b) > 400 {
		return string(b[:400]) + "..."
	}
	return string(b)
}
