package kayentaapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

func source() canaryjudgetest.StaticSource {
	return canaryjudgetest.StaticSource{
		"version=stable":  tooltest.KayentaSide(1, 1, 0.002),
		"version=healthy": tooltest.KayentaSide(2, 1, 0.002),
		"version=bad":     tooltest.KayentaSide(3, 1.5, 0.01),
	}
}

// body is the CanaryExecutionRequest as Argo Rollouts v1.8 sends it.
func body(experiment string) string {
	return `{"scopes":{"default":{"controlScope":{"scope":"version=stable","region":"us-east-1","step":60,
	  "start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"},
	  "experimentScope":{"scope":"` + experiment + `","region":"us-east-1","step":60,
	  "start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"}}},
	  "thresholds":{"pass":90,"marginal":75}}`
}

const query = "?application=checkout&metricsAccountName=prom&configurationAccountName=store&storageAccountName=store"

type status struct {
	Complete  bool
	Status    string
	Exception *struct{ Message string }
	Result    *struct {
		JudgeResult struct {
			Score struct {
				Score                float64
				Classification       string
				ClassificationReason string
			}
			Results []struct {
				Name, Classification, Criticality string
				ClassificationReason              string
				Groups                            []string
			}
			GroupScores []struct {
				Name  string
				Score float64
			}
		}
	}
}

func execute(t *testing.T, cj *canaryjudgetest.Server, config, experiment string) status {
	t.Helper()
	var ex struct{ CanaryExecutionID string }
	cj.MustDo(t, 200, "POST", "/kayenta/canary/"+config+query, body(experiment)).Decode(t, &ex)
	if ex.CanaryExecutionID == "" {
		t.Fatal("no canaryExecutionId")
	}
	var st status
	cj.MustDo(t, 200, "GET", "/kayenta/canary/"+ex.CanaryExecutionID, nil).Decode(t, &st)
	return st
}

func TestHealthyAndBadCanaries(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)

	good := execute(t, cj, "checkout", "version=healthy")
	if !good.Complete || good.Status != "succeeded" || good.Result == nil {
		t.Fatalf("healthy: %+v", good)
	}
	if s := good.Result.JudgeResult.Score; s.Score < 90 || s.Classification != "Pass" {
		t.Fatalf("healthy canary scored %+v, want >= 90 (Pass)", s)
	}
	jr := good.Result.JudgeResult
	if len(jr.Results) != 2 || jr.Results[0].Name != "latency_p99" || jr.Results[0].Groups[0] != "latency" || len(jr.GroupScores) != 2 {
		t.Fatalf("results %+v, groups %+v", jr.Results, jr.GroupScores)
	}

	bad := execute(t, cj, "checkout", "version=bad")
	if s := bad.Result.JudgeResult.Score; s.Score >= 75 || s.Classification != "Fail" || s.ClassificationReason == "" {
		t.Fatalf("bad canary scored %+v, want < 75 (Fail) with a reason", s)
	}
	for _, r := range bad.Result.JudgeResult.Results {
		if r.Classification != "High" {
			t.Errorf("bad canary's %s is %s, want High", r.Name, r.Classification)
		}
	}
}

// The score is the judge's own, computed in kayenta mode: the API adds
// nothing to it.
func TestScoreIsTheJudgesScore(t *testing.T) {
	src := source()
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(src))
	rec := cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	var stored struct{ Policy judge.Policy }
	rec.Decode(t, &stored)
	want, err := judge.JudgeSides(stored.Policy, src["version=bad"], src["version=stable"])
	if err != nil {
		t.Fatal(err)
	}
	if got := execute(t, cj, "checkout", "version=bad").Result.JudgeResult.Score.Score; got != want.Score {
		t.Fatalf("API score %v, judge.Judge %v", got, want.Score)
	}
}

func TestConfigs(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	cj.MustDo(t, 201, "PUT", "/v1/services/search/policy", tooltest.KayentaPolicy)
	cj.MustDo(t, 201, "PUT", "/v1/services/web/policy", `{"metrics":[{"name":"m","group":"g","direction":"increase"}]}`)
	var all []kayentaapi.CanaryConfigSummary
	cj.MustDo(t, 200, "GET", "/kayenta/canaryConfig", nil).Decode(t, &all)
	if len(all) != 2 || all[0].Name != "checkout" || all[1].ID != "search" || all[0].Applications[0] != "checkout" || all[0].UpdatedTimestamp == 0 {
		t.Fatalf("configs %+v, want checkout and search (web is default mode)", all)
	}
	var one []kayentaapi.CanaryConfigSummary
	cj.MustDo(t, 200, "GET", "/kayenta/canaryConfig?application=search&configurationAccountName=x", nil).Decode(t, &one)
	if len(one) != 1 || one[0].Name != "search" {
		t.Fatalf("application=search: %+v", one)
	}
	if r := cj.Do(t, "POST", "/kayenta/canary/web"+query, body("version=healthy")); r.Status != 409 || !strings.Contains(string(r.Body), "kayenta mode") {
		t.Fatalf("default-mode service: %d %s", r.Status, r.Body)
	}
	if r := cj.Do(t, "POST", "/kayenta/canary/nope"+query, body("version=healthy")); r.Status != 404 {
		t.Fatalf("unknown config: %d %s", r.Status, r.Body)
	}
	if r := cj.Do(t, "GET", "/kayenta/canary/kx_nope", nil); r.Status != 404 {
		t.Fatalf("unknown execution: %d %s", r.Status, r.Body)
	}
}

// A scope the source cannot serve: the execution is kept, terminal, and
// says why; the POST itself succeeds (Kayenta's clients poll for this).
func TestSourceErrorIsTerminal(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	st := execute(t, cj, "checkout", "version=missing")
	if !st.Complete || st.Status != "terminal" || st.Result != nil || st.Exception == nil || !strings.Contains(st.Exception.Message, "version=missing") {
		t.Fatalf("source error: %+v", st)
	}
}

// Without a metric source of that name, the execution is terminal and
// says so; a server with no source at all answers 501.
func TestNoMetricSource(t *testing.T) {
	cj := canaryjudgetest.NewServer(t)
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	st := execute(t, cj, "checkout", "version=healthy")
	if st.Status != "terminal" || st.Exception == nil || !strings.Contains(st.Exception.Message, `metric source "prom"`) {
		t.Fatalf("an unknown metricsAccountName: %+v", st)
	}
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: memory.New()})
	srv := httptest.NewServer(h)
	defer srv.Close()
	bare := canaryjudgetest.Remote(srv.URL, "")
	bare.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	if r := bare.Do(t, "POST", "/kayenta/canary/checkout"+query, body("version=healthy")); r.Status != 501 {
		t.Fatalf("no source at all: %d %s", r.Status, r.Body)
	}
}

// TestScopeLength: a scope may be kayentaapi.MaxScope bytes long under
// any scope name, not the 1 KB other strings get; a longer one is refused
// before the request is decoded, with a problem naming the scope.
func TestScopeLength(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	long := func(n int) string { return "version=" + strings.Repeat("x", n-len("version=")) }
	req := func(name, control, experiment string) string {
		b := strings.Replace(body(experiment), `"default"`, `"`+name+`"`, 1)
		return strings.Replace(b, `"version=stable"`, `"`+control+`"`, 1)
	}
	for _, name := range []string{"default", "canary-vs-stable"} {
		// At the limit: accepted (the source has no such series, so the
		// execution ends terminal; the request is not refused).
		for _, b := range []string{req(name, "version=stable", long(kayentaapi.MaxScope)), req(name, long(kayentaapi.MaxScope), "version=healthy")} {
			var ex struct{ CanaryExecutionID string }
			cj.MustDo(t, 200, "POST", "/kayenta/canary/checkout"+query, b).Decode(t, &ex)
			if ex.CanaryExecutionID == "" {
				t.Fatalf("scope name %s: no canaryExecutionId", name)
			}
		}
		n := kayentaapi.MaxScope + 1
		for side, b := range map[string]string{
			"controlScope":    req(name, long(n), "version=healthy"),
			"experimentScope": req(name, "version=stable", long(n)),
		} {
			r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, b)
			var p struct{ Errors []judge.FieldError }
			json.Unmarshal(r.Body, &p)
			want := judge.FieldError{Field: "scopes." + name + "." + side + ".scope",
				Message: fmt.Sprintf("must be at most %d bytes (it has %d)", kayentaapi.MaxScope, n)}
			if r.Status != 400 || !slices.Contains(p.Errors, want) {
				t.Errorf("a %d-byte %s under %q: %d %.300s, want 400 with %+v", n, side, name, r.Status, r.Body, want)
			}
		}
	}
}

func TestBadRequests(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	scope := `{"scope":"version=stable","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"}`
	for req, field := range map[string]string{
		`{"scopes":{}}`: "scopes",
		`{"scopes":{"a":{"controlScope":` + scope + `,"experimentScope":` + scope + `},"b":{"controlScope":` + scope + `,"experimentScope":` + scope + `}}}`: "scopes",
		`{"scopes":{"default":{"controlScope":` + scope + `}}}`:                                                                                             "scopes.default.experimentScope",
		`{"scopes":{"default":{"controlScope":` + scope + `,"experimentScope":{"scope":"x","start":"yesterday","end":"2026-11-26T09:10:00Z"}}}}`:            "scopes.default.experimentScope.start",
		`{"scopes":{"default":{"controlScope":` + scope + `,"experimentScope":{"scope":"x","start":"2026-11-26T09:10:00Z","end":"2026-11-26T09:00:00Z"}}}}`: "scopes.default.experimentScope.end",
		`{"scopes":{"default":{"controlScope":` + scope + `,"experimentScope":` + scope + `}},"thresholds":{"pass":50,"marginal":80}}`:                      "thresholds",
		`{"scopes":`:                   "body",
		`{"scopes":{"default":"x"}}`:   "scopes",
		`{"thresholds":{"pass":"90"}}`: "thresholds.pass",
	} {
		r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, req)
		var p struct{ Errors []struct{ Field string } }
		json.Unmarshal(r.Body, &p)
		if r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("%s: %d %s, want 400 naming %s", req, r.Status, r.Body, field)
		}
	}
	if r := cj.Do(t, "POST", "/kayenta/canary/checkout?application="+strings.Repeat("a", 300), body("version=healthy")); r.Status != 400 {
		t.Errorf("a 300-byte application: %d", r.Status)
	}
	if r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, strings.Replace(body("version=healthy"), "version=healthy", `version=\u0000`, 1)); r.Status != 400 {
		t.Errorf("a NUL in a scope: %d %s", r.Status, r.Body)
	}
}

// With authentication on, Argo's kayenta provider (which sends no
// headers) puts the token in the address: /kayenta/token/SECRET/...; the
// secret never reaches the access log.
func TestTokenInThePath(t *testing.T) {
	const secret = "kayenta-admin-token-0123456789abcdef"
	var logs bytes.Buffer
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithAdminToken(secret), canaryjudgetest.WithKayentaSource(source()),
		canaryjudgetest.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	anon := canaryjudgetest.Remote(cj.URL, "")
	if r := anon.Do(t, "GET", "/kayenta/canaryConfig", nil); r.Status != 401 {
		t.Fatalf("no token: %d", r.Status)
	}
	if r := anon.Do(t, "GET", "/kayenta/token/wrong-token/canaryConfig", nil); r.Status != 401 {
		t.Fatalf("a wrong token: %d", r.Status)
	}
	var ex struct{ CanaryExecutionID string }
	anon.MustDo(t, 200, "POST", "/kayenta/token/"+secret+"/canary/checkout"+query, body("version=healthy")).Decode(t, &ex)
	anon.MustDo(t, 200, "GET", "/kayenta/token/"+secret+"/canary/"+ex.CanaryExecutionID, nil)
	if strings.Contains(logs.String(), secret) {
		t.Fatal("the token reached the logs")
	}
	if !strings.Contains(logs.String(), "path=/kayenta/canary/checkout") {
		t.Fatalf("the access log lacks the rewritten path:\n%s", logs.String())
	}
}
