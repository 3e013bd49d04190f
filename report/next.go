package report

import (
	"encoding/json"
	"net/url"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// NextSteps is what a human may do about a halted release: the override
// calls that leave halted, and who may make them.
type NextSteps struct {
	Who   string     `json:"who"`
	Calls []Override `json:"calls"`
}

// Override is one override call: POST Path with Body.
type Override struct {
	Name   string `json:"name"` // the body's action: rollback | resolve | promote
	Effect string `json:"effect"`
	Method string `json:"method"`
	Path   string `json:"path"`
	Body   string `json:"body"`
}

// nextSteps lists the overrides a halted release accepts (the transition
// table's), each with what it does; nil unless rel is halted.
func nextSteps(rel store.Release) *NextSteps {
	if rel.State != judge.StateHalted {
		return nil
	}
	path := "/v1/releases/" + url.PathEscape(rel.ID) + "/override"
	resolve := "hands the release back to automation: it bakes on from its next window"
	if rel.RollbackAttempted {
		resolve = "records that the rollback to " + rel.BaselineVersion + " was finished by hand: the release becomes rolled_back"
	}
	calls := []Override{
		{Name: "rollback", Effect: "orders the rollback to " + rel.BaselineVersion +
			": the release goes to rolling_back until the deploy tool reports rollback_completed"},
		{Name: "resolve", Effect: resolve},
		{Name: "promote", Effect: "promotes " + rel.Version + " against the evidence: the release becomes promoted"},
	}
	out := &NextSteps{Who: "a token with the operator or admin scope, unrestricted or limited to services that include " + rel.Service +
		" (POST /v1/tokens or canaryjudge token create); the override and its reason go to the audit log under the token's name"}
	for _, c := range calls {
		if _, err := judge.Next(judge.StateHalted, judge.Event("override:"+c.Name), rel.RollbackAttempted); err != nil {
			continue // the state machine refuses it: not offered
		}
		body, _ := json.Marshal(map[string]string{"action": c.Name, "reason": "after reading the report of " + rel.ID})
		c.Method, c.Path, c.Body = "POST", path, string(body)
		out.Calls = append(out.Calls, c)
	}
	return out
}
