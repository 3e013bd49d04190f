package server_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// bothStores runs f on the in-memory store and on real PostgreSQL.
func bothStores(t *testing.T, f func(t *testing.T, st store.Full)) {
	t.Run("memory", func(t *testing.T) { t.Parallel(); f(t, memory.New()) })
	t.Run("postgres", func(t *testing.T) { t.Parallel(); f(t, pgtest.Open(t)) })
}

func TestReleaseLifecyclePromote(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "checkout", testPolicy(2, ""))
		rel := createRelease(t, s, "checkout", "eu-west", "")
		if rel.State != "baking" || rel.Target != "eu-west" || rel.PolicyVersion != 1 {
			t.Fatalf("created %+v", rel)
		}
		want := []string{"wait/bake_incomplete", "wait/bake_incomplete", "promote/bake_complete"}
		for i, w := range want {
			s.clock.Advance(5 * time.Minute)
			o := analyze(t, s, rel.ID, healthy(uint64(i)))
			if got := o.Decision.Action + "/" + o.Decision.Reason; got != w {
				t.Fatalf("window %d: %s (%s), want %s", i+1, got, o.Decision.Message, w)
			}
		}
		r := call(t, s.srv, "GET", "/v1/releases/"+rel.ID+"/decision", nil)
		if d := decode[map[string]any](t, r); d["action"] != "promote" || d["state"] != "promoted" {
			t.Fatalf("latest decision %v", d)
		}
		// Terminal: no more analyses, the deploy tool's confirmation is a no-op.
		r = call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", healthy(9))
		if p := problemOf(t, r); r.StatusCode != 409 || p.Current.(map[string]any)["state"] != "promoted" {
			t.Fatalf("analysis after promote: %d %+v", r.StatusCode, p)
		}
		r = call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/events", `{"type":"promoted"}`)
		if o := decode[outcome](t, r); r.StatusCode != 200 || !o.Duplicate {
			t.Fatalf("promoted ack: %d %s", r.StatusCode, r.Body)
		}
		// The slot is free again for the next release of the same target.
		createRelease(t, s, "checkout", "eu-west", "")
	})
}

func TestReleaseLifecycleRollback(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "search", testPolicy(2, ""))
		rel := createRelease(t, s, "search", "default", `[{"id":"0007_add_index","compat":"expand"}]`)
		o := analyze(t, s, rel.ID, slow(1))
		if o.Decision.Action != "wait" || o.Decision.Reason != "failing_window" {
			t.Fatalf("one failing window must not roll back: %+v", o.Decision)
		}
		o = analyze(t, s, rel.ID, slow(2))
		if o.Decision.Action != "rollback" || o.Decision.Reason != "consecutive_failures" || o.Decision.RollbackTo != "v1" || o.Decision.State != "rolling_back" {
			t.Fatalf("second failing window: %+v", o.Decision)
		}
		for _, ev := range []string{"rollback_started", "rollback_completed"} {
			mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/events", fmt.Sprintf(`{"type":%q}`, ev)), 200)
		}
		r := call(t, s.srv, "GET", "/v1/releases/"+rel.ID, nil)
		got := decode[map[string]any](t, r)
		if got["release"].(map[string]any)["state"] != "rolled_back" || len(got["analyses"].([]any)) != 2 {
			t.Fatalf("release after rollback: %s", r.Body)
		}
		// A retried completion is acknowledged, anything else refused.
		r = call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/events", `{"type":"rollback_completed"}`)
		if o := decode[outcome](t, r); !o.Duplicate {
			t.Fatalf("duplicate completion: %s", r.Body)
		}
		r = call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/override", `{"action":"promote","reason":"manual"}`)
		mustStatus(t, r, 409)
	})
}

func TestCriticalCeilingAndMigrationGate(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "billing", testPolicy(2, ""))
		rel := createRelease(t, s, "billing", "a", "")
		if o := analyze(t, s, rel.ID, erroring(3)); o.Decision.Action != "rollback" || o.Decision.Reason != "critical_ceiling" {
			t.Fatalf("ceiling breach must roll back in one window: %+v", o.Decision)
		}
		rel = createRelease(t, s, "billing", "b", `[{"id":"1","compat":"expand"},{"id":"2","compat":"contract","sql":"ALTER TABLE t DROP COLUMN c"}]`)
		o := analyze(t, s, rel.ID, erroring(4))
		if o.Decision.Action != "escalate" || o.Decision.Reason != "migration_incompatible" || o.Decision.State != "halted" {
			t.Fatalf("contract migration must escalate: %+v", o.Decision)
		}
		if o.Decision.Evidence["candidate"].(map[string]any)["action"] != "rollback" {
			t.Fatalf("evidence should keep the candidate: %v", o.Decision.Evidence)
		}
		// Only an override resolves a halted release.
		mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", healthy(5)), 409)
		r := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/override", `{"action":"resolve","reason":"schema checked by hand"}`)
		if o := decode[outcome](t, r); r.StatusCode != 200 || o.Release.State != "baking" {
			t.Fatalf("resolve: %d %s", r.StatusCode, r.Body)
		}
	})
}

func TestNoDataEscalatesAfterK(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "feed", testPolicy(2, ""))
		rel := createRelease(t, s, "feed", "default", "")
		for i, want := range []string{"wait", "wait", "escalate"} {
			o := analyze(t, s, rel.ID, `{"source_error":"prometheus: context deadline exceeded"}`)
			if o.Decision.Action != want || o.Decision.Reason != "source_error" {
				t.Fatalf("window %d: %+v", i+1, o.Decision)
			}
		}
	})
}

func TestReleaseConflictsAndValidation(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "api", testPolicy(2, ""))
		first := createRelease(t, s, "api", "default", "")
		r := call(t, s.srv, "POST", "/v1/releases", `{"service":"api","version":"v3","baseline_version":"v1"}`)
		if p := problemOf(t, r); r.StatusCode != 409 || p.Current.(map[string]any)["id"] != first.ID {
			t.Fatalf("second active release: %d %+v", r.StatusCode, p)
		}
		r = call(t, s.srv, "POST", "/v1/releases", `{"service":"ghost","version":"v2","baseline_version":"v1"}`)
		mustStatus(t, r, 404)
		r = call(t, s.srv, "POST", "/v1/releases", `{"service":"api","target":"x","version":"v2","baseline_version":"v2","migrations":[{"id":"","compat":"maybe"}]}`)
		p := problemOf(t, r)
		fields := map[string]bool{}
		for _, e := range p.Errors {
			fields[e.Field] = true
		}
		if r.StatusCode != 400 || !fields["baseline_version"] || !fields["migrations[0].id"] || !fields["migrations[0].compat"] {
			t.Fatalf("validation should list every problem: %d %+v", r.StatusCode, p.Errors)
		}
		mustStatus(t, call(t, s.srv, "GET", "/v1/releases/rel_nope", nil), 404)
	})
}

// TestResponsesCarryTheirLength: a decision's response (~3 KB here, 14 KB
// with 10 metrics), its replay and a read are sent with Content-Length,
// not chunked.
func TestResponsesCarryTheirLength(t *testing.T) {
	s := newStack(t, memory.New(), nil)
	setupService(t, s, "checkout", testPolicy(2, ""))
	rel := createRelease(t, s, "checkout", "eu-west", "")
	s.clock.Advance(5 * time.Minute)
	body := healthy(1)
	first := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", body, "Idempotency-Key", "k1")
	replay := call(t, s.srv, "POST", "/v1/releases/"+rel.ID+"/analyses", body, "Idempotency-Key", "k1")
	read := call(t, s.srv, "GET", "/v1/releases/"+rel.ID, nil)
	for name, r := range map[string]apiResponse{"analysis": first, "replay": replay, "read": read} {
		if r.StatusCode != 200 || r.ContentLength != int64(len(r.Body)) || len(r.TransferEncoding) != 0 {
			t.Fatalf("%s: status %d, Content-Length %d for %d bytes, transfer encoding %v", name, r.StatusCode, r.ContentLength, len(r.Body), r.TransferEncoding)
		}
	}
	if len(first.Body) <= 2048 || replay.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the analysis answered %d bytes (over 2 KB would go chunked without a length); replayed %q", len(first.Body), replay.Header.Get("Idempotent-Replayed"))
	}
}
