package kayentaapi_test

import (
	"context"
	"encoding/json"
	"maps"
	"strings"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
)

// recorder is a metric source that keeps the label matchers it is asked
// for and serves the same healthy data for any scope.
type recorder struct {
	mu   sync.Mutex
	last kayentaapi.FetchRequest
}

func (r *recorder) Fetch(ctx context.Context, req kayentaapi.FetchRequest) (judge.Side, judge.Side, error) {
	r.mu.Lock()
	r.last = req
	r.mu.Unlock()
	return tooltest.KayentaSide(2, 1, 0.002), tooltest.KayentaSide(1, 1, 0.002), nil
}

// scopeBody is a request with one pair; the experiment scope is exp.
func scopeBody(exp string) string {
	return `{"scopes":{"default":{"controlScope":{"scope":"checkout-prod-baseline-v042","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"},
	 "experimentScope":` + exp + `}},"thresholds":{"pass":75,"marginal":50}}`
}

// Kayenta's scope model: a name (a server group, any string) plus a
// location, turned into exact label matchers, the way Kayenta's Prometheus
// integration builds its filter; label matchers keep working.
func TestScopeLabels(t *testing.T) {
	rec := &recorder{}
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(rec))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	const times = `"start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"`
	for scope, want := range map[string]map[string]string{
		`{"scope":"app=checkout,track=canary",` + times + `}`:                                                           {"app": "checkout", "track": "canary"},
		`{"scope":"app=checkout and track=\"canary\"",` + times + `}`:                                                   {"app": "checkout", "track": "canary"},
		`{"scope":"checkout-prod-canary-v042","location":"us-east-1",` + times + `}`:                                    {"server_group": "checkout-prod-canary-v042"},
		`{"scope":"checkout-prod-canary-v042",` + times + `,"extendedScopeParams":{"scopeLabel":"track","type":"asg"}}`: {"track": "checkout-prod-canary-v042"},
		`{"scope":"a=b",` + times + `,"extendedScopeParams":{"scopeLabel":"asg"}}`:                                      {"asg": "a=b"},
		`{"scope":"checkout-prod-canary-v042","location":"us-east-1",` + times + `,"extendedScopeParams":{"locationLabel":"region"}}`: {
			"server_group": "checkout-prod-canary-v042", "region": "us-east-1"},
		`{"scope":"app=checkout","region":"eu-west-1",` + times + `,"extendedScopeParams":{"locationLabel":"region"}}`: {"app": "checkout", "region": "eu-west-1"},
		`{"scope":"checkout-prod-canary-v042","location":"us-east-1",` + times + `,"extendedScopeParams":{"accountId":"1234",
		  "scopeTemplate":"cluster={{scope}}, region={{ location }}, account=acct-{{accountId}}"}}`: {
			"cluster": "checkout-prod-canary-v042", "region": "us-east-1", "account": "acct-1234"},
	} {
		var ex struct{ CanaryExecutionID string }
		cj.MustDo(t, 200, "POST", "/kayenta/canary/checkout"+query, scopeBody(scope)).Decode(t, &ex)
		rec.mu.Lock()
		got, control := rec.last.Experiment.Labels, rec.last.Control.Labels
		rec.mu.Unlock()
		if !maps.Equal(got, want) || control["server_group"] != "checkout-prod-baseline-v042" {
			t.Errorf("%s: matchers %v (control %v), want %v", scope, got, control, want)
		}
	}
}

// A scope that cannot become label matchers is a 400 naming the field
// (nothing is kept).
func TestScopeProblems(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(&recorder{}))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	const times = `"start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"`
	const at = "scopes.default.experimentScope"
	many := make([]string, 21)
	for i := range many {
		many[i] = "l" + strings.Repeat("x", i) + "=v"
	}
	for scope, field := range map[string]string{
		`{"scope":"",` + times + `}`:                                                                                 at + ".scope",
		`{"scope":"app=checkout,=canary",` + times + `}`:                                                             at + ".scope",
		`{"scope":"` + strings.Join(many, ",") + `",` + times + `}`:                                                  at + ".scope",
		`{"scope":"sg-v1",` + times + `,"extendedScopeParams":{"scopeLabel":"server-group"}}`:                        at + ".extendedScopeParams.scopeLabel",
		`{"scope":"sg-v1",` + times + `,"extendedScopeParams":{"locationLabel":"region"}}`:                           at + ".location",
		`{"scope":"sg-v1","location":"x",` + times + `,"extendedScopeParams":{"locationLabel":"9lives"}}`:            at + ".extendedScopeParams.locationLabel",
		`{"scope":"region=eu","location":"us",` + times + `,"extendedScopeParams":{"locationLabel":"region"}}`:       at + ".location",
		`{"scope":"sg-v1",` + times + `,"extendedScopeParams":{"scopeTemplate":"sg={{scope}},acct={{accountId}}"}}`:  at + ".extendedScopeParams.scopeTemplate",
		`{"scope":"sg-v1",` + times + `,"extendedScopeParams":{"scopeTemplate":"sg={{scope}},region={{location}}"}}`: at + ".extendedScopeParams.scopeTemplate",
		`{"scope":"sg-v1",` + times + `,"extendedScopeParams":{"scopeTemplate":"not matchers"}}`:                     at + ".extendedScopeParams.scopeTemplate",
	} {
		r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, scopeBody(scope))
		var p struct{ Errors []judge.FieldError }
		json.Unmarshal(r.Body, &p)
		if r.Status != 400 || len(p.Errors) == 0 || p.Errors[0].Field != field {
			t.Errorf("%s: %d %s, want 400 naming %s", scope, r.Status, r.Body, field)
		}
	}
}

// Several scope pairs, as Kayenta's ExecutionMapper treats a config whose
// metrics all read scope "default": without "default" the request is
// refused naming it; beside "default" the others are refused rather than
// silently ignored.
func TestSeveralScopes(t *testing.T) {
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(&recorder{}))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	pair := `{"controlScope":{"scope":"sg-v1","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"},
	 "experimentScope":{"scope":"sg-v2","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"}}`
	for names, want := range map[string]string{
		`"us-east-1":` + pair + `,"eu-west-1":` + pair: "not provided in the execution request: [default]",
		`"default":` + pair + `,"eu-west-1":` + pair:   "scopes [eu-west-1] beside",
	} {
		r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, `{"scopes":{`+names+`},"thresholds":{"pass":75,"marginal":50}}`)
		if r.Status != 400 || !strings.Contains(string(r.Body), want) || !strings.Contains(string(r.Body), "one canary execution per") {
			t.Errorf("%s: %d %s, want 400 saying %q and how", names, r.Status, r.Body, want)
		}
	}
	cj.MustDo(t, 200, "POST", "/kayenta/canary/checkout"+query, `{"scopes":{"us-east-1":`+pair+`},"thresholds":{"pass":75,"marginal":50}}`)
}
