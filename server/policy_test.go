package server_test

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestPolicyVersioning: PUT creates v1 (201) then v2 (200); ETag/If-Match
// give optimistic concurrency; YAML and JSON share one schema.
func TestPolicyVersioning(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		r := call(t, s.srv, "PUT", "/v1/services/web/policy", testPolicy(2, ""))
		mustStatus(t, r, 201)
		if r.Header.Get("ETag") != `"v1"` {
			t.Fatalf("ETag = %q", r.Header.Get("ETag"))
		}
		yaml := "mode: kayenta\nmetrics:\n  - {name: latency_p99, group: latency, direction: increase}\n"
		r = call(t, s.srv, "PUT", "/v1/services/web/policy", yaml, "Content-Type", "application/yaml", "If-Match", `"v1"`)
		mustStatus(t, r, 200)
		r = call(t, s.srv, "PUT", "/v1/services/web/policy", yaml, "Content-Type", "application/yaml", "If-Match", `"v1"`)
		if p := problemOf(t, r); r.StatusCode != 412 {
			t.Fatalf("stale If-Match: %d %+v", r.StatusCode, p)
		}
		r = call(t, s.srv, "GET", "/v1/services/web/policy", nil)
		rec := decode[store.PolicyRecord](t, r)
		if r.Header.Get("ETag") != `"v2"` || rec.Version != 2 || rec.Policy.Version != 2 || rec.Policy.Mode != "kayenta" || rec.Policy.Windows.MinWindows == 0 {
			t.Fatalf("GET = %s %+v", r.Header.Get("ETag"), rec)
		}
		if r := call(t, s.srv, "GET", "/v1/services/web/policy", nil, "If-None-Match", `"v2"`); r.StatusCode != 304 {
			t.Fatalf("If-None-Match: %d", r.StatusCode)
		}
		r = call(t, s.srv, "PUT", "/v1/services/web/policy", "metrics: [{name: a, group: g, direction: up}]", "Content-Type", "application/yaml")
		if p := problemOf(t, r); r.StatusCode != 400 || !hasField(p.Errors, "metrics[0].direction") {
			t.Fatalf("bad YAML policy: %d %+v", r.StatusCode, p)
		}
	})
}
