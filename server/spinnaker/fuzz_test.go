package spinnaker_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// FuzzMonitor: any body gets a directive or a 400, never a 500.
func FuzzMonitor(f *testing.F) {
	for _, name := range []string{"starting.json", "evaluateHealth.json", "completed-success.json", "starting-first-deploy.json"} {
		b, err := os.ReadFile("testdata/orca-98fbbc92/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b))
	}
	f.Add(`{"application":"checkout","newServerGroup":"v2","parameters":{"service":7}}`)
	cj := canaryjudgetest.NewServer(f)
	cj.MustDo(f, 201, "PUT", "/v1/services/checkout/policy", tooltest.Policy)
	f.Fuzz(func(t *testing.T, b string) {
		for _, ep := range []string{"starting", "evaluateHealth", "completed"} {
			r := cj.Do(t, "POST", "/spinnaker/v1/deployment/"+ep, b)
			var out response
			switch {
			case r.Status == 400:
			case r.Status == 200 && json.Unmarshal(r.Body, &out) == nil && out.NextStep.Directive != "":
			default:
				t.Fatalf("%s %q: %d %s", ep, b, r.Status, r.Body)
			}
		}
	})
}
