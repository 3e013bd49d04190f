package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// claimClass claims one class of sink on s at t0+at with a one-minute lease.
func claimClass(t *testing.T, s store.Full, at time.Duration, class string) []outbox.Message {
	t.Helper()
	msgs, err := s.ClaimSinks(context.Background(), outbox.ClaimRequest{Now: t0.Add(at), Limit: 10, Lease: time.Minute, Class: class})
	if err != nil {
		t.Fatalf("ClaimSinks(%q) at +%s: %v", class, at, err)
	}
	return msgs
}

// testOutboxSinkClasses: a sink whose failed attempt hung is claimed only
// as slow until an attempt to it succeeds or fails fast; an interrupted
// attempt keeps its class; new sinks are fast.
func testOutboxSinkClasses(t *testing.T, s store.Full) {
	ctx := context.Background()
	v := sinkPolicy(t, s, "payments", slow, fast)
	toSlow, toFast := outbox.RefOf(v, 0, slow), outbox.RefOf(v, 1, fast)
	create(t, s, release("r1", "payments", "eu-1"))
	enqueue(t, s, "r1", messageTo(outbox.KindPage, t0, toSlow), messageTo(outbox.KindPage, t0, toFast))
	if got := claimClass(t, s, 0, outbox.ClassSlow); len(got) != 0 {
		t.Fatalf("ClaimSinks(slow) of new sinks = %s, want nothing: new sinks are fast", ids(got))
	}
	got := claimClass(t, s, 0, outbox.ClassFast)
	if len(got) != 2 {
		t.Fatalf("ClaimSinks(fast) = %s, want both sinks' pages", ids(got))
	}
	hung, ok := got[0], got[1]
	if hung.Sink != toSlow {
		hung, ok = ok, hung
	}
	retry := func(m outbox.Message, at time.Duration, f outbox.Failure) {
		t.Helper()
		f.At, f.Next = t0.Add(at), t0.Add(at)
		if err := s.Retry(ctx, m.ID, m.Claim, f); err != nil {
			t.Fatal(err)
		}
	}
	retry(hung, 10*time.Second, outbox.Failure{Attempts: 1, Err: "no answer within 10s", Slow: true})
	if err := s.Delivered(ctx, ok.ID, ok.Claim, t0.Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	if got := claimClass(t, s, 11*time.Second, outbox.ClassFast); len(got) != 0 {
		t.Fatalf("ClaimSinks(fast) = %s, want nothing: the only due page's sink hung", ids(got))
	}
	again := claimClass(t, s, 11*time.Second, outbox.ClassSlow)
	if len(again) != 1 || again[0].ID != hung.ID {
		t.Fatalf("ClaimSinks(slow) = %s, want the hung sink's page %d", ids(again), hung.ID)
	}
	retry(again[0], 12*time.Second, outbox.Failure{Attempts: 1, Err: "delivery interrupted by shutdown", Interrupted: true})
	if got := claimClass(t, s, 12*time.Second, outbox.ClassFast); len(got) != 0 {
		t.Fatalf("ClaimSinks(fast) after an interrupted attempt = %s, want nothing: the sink stays slow", ids(got))
	}
	third := claimClass(t, s, 12*time.Second, outbox.ClassAny)
	if len(third) != 1 || third[0].ID != hung.ID {
		t.Fatalf("ClaimSinks(any) = %s, want the slow sink's page: any class takes every sink", ids(third))
	}
	retry(third[0], 13*time.Second, outbox.Failure{Attempts: 2, Err: "503 from sink"}) // failed fast: it answers again
	if got := claimClass(t, s, 13*time.Second, outbox.ClassFast); len(got) != 1 || got[0].ID != hung.ID {
		t.Fatalf("ClaimSinks(fast) after a fast failure = %s, want page %d", ids(got), hung.ID)
	}
	if _, err := s.ClaimSinks(ctx, outbox.ClaimRequest{Now: t0, Limit: 1, Lease: time.Minute, Class: "medium"}); err == nil {
		t.Fatal("ClaimSinks of an unknown class succeeded")
	}
}

// testOutboxRenew: a holder that renews keeps its sink past the first
// lease; one that stops loses it within one lease; a stale claim, a
// finished message or an unknown id renews nothing.
func testOutboxRenew(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	enqueue(t, s, "r1", message(outbox.KindPage, t0), message(outbox.KindInfo, t0))
	got, err := s.ClaimSinks(ctx, outbox.ClaimRequest{Now: t0, Limit: 10, Lease: 5 * time.Second})
	if err != nil || len(got) != 1 {
		t.Fatalf("ClaimSinks = %s, %v", ids(got), err)
	}
	m := got[0]
	held := []outbox.Held{{ID: m.ID, Claim: m.Claim}, {ID: m.ID, Claim: m.Claim + 7}, {ID: 999999, Claim: 1}}
	for _, at := range []time.Duration{4 * time.Second, 8 * time.Second} {
		n, err := s.Renew(ctx, t0.Add(at), 5*time.Second, held)
		if err != nil || n != 1 {
			t.Fatalf("Renew at +%s = %d, %v; want 1 (only the current claim counts)", at, n, err)
		}
	}
	if got := claimAt(t, s, 12*time.Second, 10); len(got) != 0 {
		t.Fatalf("Claim at +12s = %s, want nothing: renewed until +13s", ids(got))
	}
	if n, err := s.Renew(ctx, t0.Add(time.Second), 5*time.Second, held[:1]); err != nil || n != 1 {
		t.Fatalf("Renew to an earlier time = %d, %v", n, err)
	}
	if got := claimAt(t, s, 12*time.Second, 10); len(got) != 0 {
		t.Fatalf("Claim at +12s after a late renewal = %s; a renewal never shortens a lease", ids(got))
	}
	taken := claimAt(t, s, 13*time.Second, 10) // the holder stopped renewing: the lease ran out
	if len(taken) != 1 || taken[0].ID != m.ID || taken[0].Claim == m.Claim {
		t.Fatalf("Claim after the lease = %+v, want message %d under a new claim", taken, m.ID)
	}
	if n, err := s.Renew(ctx, t0.Add(14*time.Second), 5*time.Second, held[:1]); err != nil || n != 0 {
		t.Fatalf("Renew under the lost claim = %d, %v; want 0", n, err)
	}
	if err := s.Delivered(ctx, taken[0].ID, taken[0].Claim, t0.Add(14*time.Second)); err != nil {
		t.Fatal(err)
	}
	if n, err := s.Renew(ctx, t0.Add(14*time.Second), 5*time.Second, []outbox.Held{{ID: m.ID, Claim: taken[0].Claim}}); err != nil || n != 0 {
		t.Fatalf("Renew of a delivered message = %d, %v; want 0", n, err)
	}
	if n, err := s.Renew(ctx, t0, time.Second, nil); err != nil || n != 0 {
		t.Fatalf("Renew(nothing) = %d, %v", n, err)
	}
}

// testOutboxAnsweredHeadStart: sinks are claimed longest idle first, a new
// sink idle from its first message, and a sink whose last attempt
// succeeded counts outbox.AnsweredHeadStart (5s) longer: it goes before a
// new sink first paged up to 5s before it was freed, not before an older one.
func testOutboxAnsweredHeadStart(t *testing.T, s store.Full) {
	ctx := context.Background()
	v := sinkPolicy(t, s, "payments", slow, fast, hook)
	toAnswering, toNew, toOlder := outbox.RefOf(v, 1, fast), outbox.RefOf(v, 0, slow), outbox.RefOf(v, 2, hook)
	for _, id := range []string{"r1", "r2", "r3"} {
		create(t, s, release(id, "payments", id))
	}
	enqueue(t, s, "r1", messageTo(outbox.KindPage, t0, toAnswering), messageTo(outbox.KindResolve, t0, toAnswering))
	got := claimClass(t, s, 0, outbox.ClassAny)
	if len(got) != 1 {
		t.Fatalf("Claim = %s", ids(got))
	}
	if err := s.Delivered(ctx, got[0].ID, got[0].Claim, t0.Add(10*time.Second)); err != nil { // answered: idle since 10s, counts as 5s
		t.Fatal(err)
	}
	enqueue(t, s, "r2", messageTo(outbox.KindPage, t0.Add(8*time.Second), toNew)) // new, idle since 8s
	first, err := s.ClaimSinks(ctx, outbox.ClaimRequest{Now: t0.Add(11 * time.Second), Limit: 1, Lease: time.Minute})
	if err != nil || len(first) != 1 || first[0].Sink != toAnswering {
		t.Fatalf("ClaimSinks(limit 1) = %+v, %v; want the sink that answered (5s) before the new one (8s)", first, err)
	}
	if err := s.Delivered(ctx, first[0].ID, first[0].Claim, t0.Add(12*time.Second)); err != nil {
		t.Fatal(err)
	}
	enqueue(t, s, "r3", messageTo(outbox.KindPage, t0.Add(6*time.Second), toOlder)) // new, idle since 6s: before 12-5=7s
	enqueue(t, s, "r1", messageTo(outbox.KindInfo, t0.Add(12*time.Second), toAnswering))
	order, err := s.ClaimSinks(ctx, outbox.ClaimRequest{Now: t0.Add(13 * time.Second), Limit: 1, Lease: time.Minute})
	if err != nil || len(order) != 1 || order[0].Sink != toOlder {
		t.Fatalf("ClaimSinks(limit 1) = %+v, %v; want the sink new since 6s before the answering one (12s, counts as 7s)", order, err)
	}
}
