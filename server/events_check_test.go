package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

const hook = `,"notify":[{"kind":"webhook","url":"http://127.0.0.1:9/hook"}]`

// pages counts the pages queued for a release (PostgreSQL: outbox rows;
// memory: the outbox listing).
func pages(t *testing.T, st store.Full, releaseID string) int {
	t.Helper()
	if pg, ok := st.(*postgres.Store); ok {
		return countArgs(t, pg, `SELECT count(*) FROM outbox WHERE kind = 'page' AND release_id = $1`, releaseID)
	}
	msgs, err := st.ListOutbox(context.Background(), outbox.Query{})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range msgs {
		if m.Kind == "page" && m.ReleaseID == releaseID {
			n++
		}
	}
	return n
}

func countArgs(t *testing.T, pg *postgres.Store, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pg.Pool().QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

// TestPromotedCheckedAgainstDecision: a deploy tool reporting promoted is
// always recorded (it already acted), but when the latest decision was not
// promote, or a freeze is in force, the decision says
// promoted_against_decision and a human is paged; a promotion the
// decisions allowed pages nobody.
func TestPromotedCheckedAgainstDecision(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "pay", testPolicy(1000, hook))
		promoted := func(id string) outcome {
			r := call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"promoted"}`)
			mustStatus(t, r, 200)
			return decode[outcome](t, r)
		}
		// With no decision at all, and right after a failing window (a
		// wait: one failure is not yet a rollback).
		fresh := createRelease(t, s, "pay", "fresh", "").ID
		waiting := createRelease(t, s, "pay", "waiting", "").ID
		analyze(t, s, waiting, slow(1))
		for _, id := range []string{fresh, waiting} {
			o := promoted(id)
			if o.Decision.Reason != "promoted_against_decision" || o.Release.State != "promoted" || o.Decision.Action != "promote" {
				t.Fatalf("promoted without a promote decision: %+v in %s", o.Decision, o.Release.State)
			}
			if n := pages(t, st, id); n != 1 {
				t.Fatalf("%d pages for a promotion against the decision, want 1", n)
			}
		}
		// A promote decision moves the release to promoted; the tool's
		// report of it is acknowledged and pages nobody.
		ok := createRelease(t, s, "pay", "ok", "").ID
		for i := range 3 {
			s.clock.Advance(5 * time.Minute)
			analyze(t, s, ok, healthy(uint64(i)))
		}
		if o := promoted(ok); !o.Duplicate || o.Decision.Reason != "promoted_by_tool" {
			t.Fatalf("promotion after a promote decision: %+v (duplicate %v)", o.Decision, o.Duplicate)
		}
		if n := pages(t, st, ok); n != 0 {
			t.Fatalf("%d pages for an allowed promotion", n)
		}
		// Healthy and baked, but a freeze holds the promotion back: the
		// tool promoting anyway is against the decision, with the freeze
		// in the evidence.
		frozen := createRelease(t, s, "pay", "frozen", "").ID
		mustStatus(t, call(t, s.srv, "PUT", "/v1/freezes/service:pay", `{"reason":"incident 77"}`), 200)
		for i := range 3 {
			s.clock.Advance(5 * time.Minute)
			analyze(t, s, frozen, healthy(uint64(10+i)))
		}
		o := promoted(frozen)
		guard, _ := o.Decision.Evidence["guard"].(map[string]any)
		if o.Decision.Reason != "promoted_against_decision" || guard["freeze"] == nil || guard["latest_decision"] == nil {
			t.Fatalf("promotion during a freeze: %+v", o.Decision)
		}
		if n := pages(t, st, frozen); n != 1 {
			t.Fatalf("%d pages for a promotion during a freeze, want 1", n)
		}
	})
}

// TestIdempotencyKeyOnDuplicateEvent: the answer to an acknowledged
// duplicate (no change) is stored under its Idempotency-Key like any
// other, so the key cannot be reused for another event, and a replay gets
// the first answer byte for byte.
func TestIdempotencyKeyOnDuplicateEvent(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "idem", testPolicy(1000, ""))
		id := createRelease(t, s, "idem", "eu", "").ID
		if o := analyze(t, s, id, erroring(1)); o.Release.State != "rolling_back" {
			t.Fatalf("setup: %+v", o.Decision)
		}
		first := call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"rollback_started"}`, "Idempotency-Key", "E1")
		mustStatus(t, first, 200)
		if !decode[outcome](t, first).Duplicate {
			t.Fatalf("rollback_started while rolling back is not the acknowledged duplicate: %s", first.Body)
		}
		other := call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"rollback_completed"}`, "Idempotency-Key", "E1")
		mustStatus(t, other, 422)
		if got := stateOf(t, s, id); got != "rolling_back" {
			t.Fatalf("the reused key ran: release is %s", got)
		}
		again := call(t, s.srv, "POST", "/v1/releases/"+id+"/events", `{"type":"rollback_started"}`, "Idempotency-Key", "E1")
		mustStatus(t, again, 200)
		if string(again.Body) != string(first.Body) || again.Header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("replay differs:\n%s\n%s", first.Body, again.Body)
		}
	})
}
