package server_test

import (
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestIdempotencyKey: a repeat returns the stored answer and acts once,
// even when the repeats race; another body under the same key is refused.
func TestIdempotencyKey(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "idem", testPolicy(2, ""))
		body := `{"service":"idem","version":"v2","baseline_version":"v1"}`
		r1 := call(t, s.srv, "POST", "/v1/releases", body, "Idempotency-Key", "deploy-77")
		r2 := call(t, s.srv, "POST", "/v1/releases", body, "Idempotency-Key", "deploy-77")
		mustStatus(t, r1, 201)
		mustStatus(t, r2, 201)
		if string(r1.Body) != string(r2.Body) || r2.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", r1.Body, r2.Body)
		}
		id := decode[store.Release](t, r1).ID
		r3 := call(t, s.srv, "POST", "/v1/releases", `{"service":"idem","version":"v3","baseline_version":"v1"}`, "Idempotency-Key", "deploy-77")
		mustStatus(t, r3, 422)

		const n = 8
		var wg sync.WaitGroup
		bodies := make([]string, n)
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := call(t, s.srv, "POST", "/v1/releases/"+id+"/analyses", healthy(1), "Idempotency-Key", "window-1")
				mustStatus(t, r, 200)
				bodies[i] = string(r.Body)
			}()
		}
		wg.Wait()
		for i := 1; i < n; i++ {
			if bodies[i] != bodies[0] {
				t.Fatalf("racing repeats got different answers:\n%s\n%s", bodies[0], bodies[i])
			}
		}
		got := decode[map[string]any](t, call(t, s.srv, "GET", "/v1/releases/"+id, nil))
		if k := len(got["analyses"].([]any)); k != 1 {
			t.Fatalf("%d analyses stored for one idempotent window, want 1", k)
		}
		o := analyze(t, s, id, healthy(2))
		if o.Decision.Evidence["windows"] != float64(2) {
			t.Fatalf("next window counted %v", o.Decision.Evidence["windows"])
		}
	})
}
