package server_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// Points the judge cannot represent, through the real API on both stores:
// "+Inf" strings and 1e308 numbers in the canary's latency are answered
// 200 (never a 500: nothing infinite reaches the stored JSON), counted,
// fail the metric (unbounded in the bad direction), and the release is
// never promoted however healthy its other windows are; on the baseline
// they make the metric nodata.
func TestNonFinitePointsNeverPass(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "shop", testPolicy(1000, ""))
		targets := map[string]string{"+Inf": "inf", "1e308": "big", "baseline -Inf": "base"}
		for name, bad := range map[string]string{"+Inf": `"+Inf"`, "1e308": `1e308`, "baseline -Inf": `"-Inf"`} {
			rel := createRelease(t, s, "shop", targets[name], "")
			t1 := s.clock.Now().Add(-time.Hour)
			var last outcome
			for i := range 4 {
				body := healthy(uint64(10 + i))
				if i == 0 { // the point goes first into the side's latency_p99
					side := `"canary":`
					if strings.HasPrefix(name, "baseline") {
						side = `"baseline":`
					}
					at := strings.Index(body, side)
					at += strings.Index(body[at:], `"latency_p99":[`) + len(`"latency_p99":[`)
					body = body[:at] + bad + "," + body[at:]
				}
				start := t1.Add(time.Duration(i) * 5 * time.Minute)
				r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", withWindow(body, start, start.Add(5*time.Minute)))
				mustStatus(t, r, 200)
				last = decode[outcome](t, r)
				if i == 0 && !strings.Contains(string(r.Body), `"non_finite":1`) {
					t.Fatalf("%s: the point is not counted: %s", name, r.Body)
				}
				if last.Decision.Action != "wait" {
					break
				}
			}
			if last.Decision.Action == "promote" || last.Decision.Reason != "non_finite" {
				t.Errorf("%s: %s/%s: %s", name, last.Decision.Action, last.Decision.Reason, last.Decision.Message)
			}
		}
	})
}
