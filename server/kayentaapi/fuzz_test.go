package kayentaapi_test

import (
	"encoding/json"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// FuzzExecute: any body gets an execution id or a 400, never a 500, and
// any id it returns can be polled.
func FuzzExecute(f *testing.F) {
	f.Add(body("version=healthy"))
	f.Add(body("version=missing"))
	f.Add(`{"scopes":{"default":{"controlScope":{"scope":"version=stable","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:00:01Z","step":-1}}}}`)
	f.Add(`{"scopes":null,"thresholds":{"pass":1e400}}`)
	f.Add(`{"scopes":{"x":{"controlScope":null,"experimentScope":{}}},"siteLocal":{"a":[1,2]}}`)
	f.Add(`{"scopes":{"default":{"controlScope":{"scope":"version=stable","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z"},
	 "experimentScope":{"scope":"sg-v2","location":"us","start":"2026-11-26T09:00:00Z","end":"2026-11-26T09:10:00Z",
	 "extendedScopeParams":{"scopeTemplate":"a={{scope}},b={{location}},c={{x}}","x":"}}","locationLabel":"b"}}}}}`)
	f.Add(`{"scopes":{"default":{},"b":{}}}`)
	cj := canaryjudgetest.NewServer(f, canaryjudgetest.WithKayentaSource(source()))
	cj.MustDo(f, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)
	f.Fuzz(func(t *testing.T, b string) {
		r := cj.Do(t, "POST", "/kayenta/canary/checkout"+query, b)
		switch r.Status {
		case 400:
			return
		case 200:
		default:
			t.Fatalf("%q: %d %s", b, r.Status, r.Body)
		}
		var ex struct{ CanaryExecutionID string }
		if err := json.Unmarshal(r.Body, &ex); err != nil || ex.CanaryExecutionID == "" {
			t.Fatalf("%q: %s", b, r.Body)
		}
		cj.MustDo(t, 200, "GET", "/kayenta/canary/"+ex.CanaryExecutionID, nil)
	})
}
