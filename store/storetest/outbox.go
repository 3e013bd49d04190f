package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

func ids(msgs []outbox.Message) string {
	out := make([]int64, len(msgs))
	for i, m := range msgs {
		out[i] = m.ID
	}
	return fmt.Sprint(out)
}

func enqueue(t *testing.T, s store.Full, id string, msgs ...outbox.Message) {
	t.Helper()
	unit(t, s, id, func(tx store.ReleaseTx) error { return tx.Enqueue(context.Background(), msgs...) })
}

// claimAt claims on s at t0+at with a one-minute lease.
func claimAt(t *testing.T, s store.Full, at time.Duration, limit int) []outbox.Message {
	t.Helper()
	msgs, err := s.Claim(context.Background(), t0.Add(at), limit, time.Minute)
	if err != nil {
		t.Fatalf("Claim at +%s: %v", at, err)
	}
	return msgs
}

// testOutboxLifecycle: one sink, one release. A claim hands out the
// release's oldest message and leases the sink; the rest wait behind it
// (order), and nothing else goes to the sink until the outcome is recorded
// or the lease ends.
func testOutboxLifecycle(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	pageAt := odd.Add(-time.Minute) // nanoseconds and a zone, due before t0
	enqueue(t, s, "r1", message(outbox.KindPage, pageAt), message(outbox.KindInfo, t0), message(outbox.KindResolve, t0))
	first := claimAt(t, s, 0, 10)
	if len(first) != 1 {
		t.Fatalf("Claim = %s, want exactly the page: one message per sink", ids(first))
	}
	m := first[0]
	if m.Kind != outbox.KindPage || m.ReleaseID != "r1" || m.Service != "payments" || m.Target != "eu-1" || m.Attempts != 0 ||
		m.Severity != outbox.SeverityCritical || m.Sink != outbox.RefOf(1, 0, hook) || m.Claim == 0 ||
		!m.CreatedAt.Equal(pageAt.Truncate(µs)) || m.CreatedAt.Location() != time.UTC {
		t.Fatalf("claimed message = %+v", m)
	}
	sameJSON(t, "details", m.Details, []byte(`{"reason":"rollback_cap","action":"escalate"}`))
	if got := claimAt(t, s, 30*time.Second, 10); len(got) != 0 {
		t.Fatalf("Claim while the sink is leased = %s, want nothing", ids(got))
	}
	again := claimAt(t, s, 61*time.Second, 10) // the claimer died: the lease ran out
	if ids(again) != ids(first) || again[0].Claim == m.Claim {
		t.Fatalf("Claim after the lease = %+v, want message %d under a new claim", again, m.ID)
	}
	if err := s.Delivered(ctx, m.ID, m.Claim, t0.Add(62*time.Second)); !errors.Is(err, outbox.ErrLeaseLost) {
		t.Fatalf("Delivered under the expired claim: %v, want ErrLeaseLost", err)
	}
	m = again[0]
	if err := s.Retry(ctx, m.ID, m.Claim, outbox.Failure{Attempts: 1, At: t0.Add(62 * time.Second),
		Next: t0.Add(10 * time.Minute), Err: "503 from sink"}); err != nil {
		t.Fatal(err)
	}
	if got := claimAt(t, s, 63*time.Second, 10); len(got) != 0 {
		t.Fatalf("Claim while the page waits for its retry = %s; the info and resolve must not overtake it", ids(got))
	}
	got := claimAt(t, s, 10*time.Minute, 10)
	if len(got) != 1 || got[0].ID != m.ID || got[0].Attempts != 1 {
		t.Fatalf("Claim when the retry is due = %+v, want message %d with 1 attempt", got, m.ID)
	}
	if err := s.Delivered(ctx, m.ID, got[0].Claim, t0.Add(10*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delivered(ctx, m.ID, got[0].Claim, t0.Add(10*time.Minute)); !errors.Is(err, outbox.ErrLeaseLost) {
		t.Fatalf("Delivered twice: %v, want ErrLeaseLost", err)
	}
	info := claimAt(t, s, 10*time.Minute, 10) // the sink was freed at once
	if len(info) != 1 || info[0].Kind != outbox.KindInfo {
		t.Fatalf("Claim after the page = %s, want the info next", ids(info))
	}
	if err := s.Retry(ctx, info[0].ID, info[0].Claim, outbox.Failure{Attempts: 5, At: t0.Add(10 * time.Minute), Err: "410 gone", Dead: true}); err != nil {
		t.Fatal(err)
	}
	if res := claimAt(t, s, 10*time.Minute, 10); len(res) != 1 || res[0].Kind != outbox.KindResolve {
		t.Fatalf("Claim after a dead message = %s, want the resolve (dead ones block nothing)", ids(res))
	}
	if err := s.Delivered(ctx, 999999, 1, t0); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Delivered of an unknown id: %v, want ErrNotFound", err)
	}
	if err := s.Retry(ctx, 999999, 1, outbox.Failure{At: t0}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Retry of an unknown id: %v, want ErrNotFound", err)
	}
	if got := claimAt(t, s, 3*time.Hour, 0); len(got) != 0 {
		t.Fatalf("Claim(limit 0) = %s", ids(got))
	}
}

// sinkPolicy stores a policy whose notify list is sinks and returns its version.
func sinkPolicy(t *testing.T, s store.Store, service string, sinks ...judge.Sink) int {
	t.Helper()
	p := samplePolicy(judge.ModeDefault)
	p.Notify = sinks
	rec, err := s.PutPolicy(context.Background(), service, p, 0, "test", t0)
	if err != nil {
		t.Fatal(err)
	}
	return rec.Version
}

var (
	slow = judge.Sink{Kind: outbox.SinkWebhook, URL: "https://slow.example/hook", Secret: "slow-secret"}
	fast = judge.Sink{Kind: outbox.SinkPagerDuty, RoutingKey: "R0UTINGKEY0000000000000000000000"}
)

// testOutboxFairness: a sink with a backlog and a failing message holds
// back only its own messages; every other sink's are claimed beside it,
// and a fresh message to the same sink is not stuck behind an old retry.
func testOutboxFairness(t *testing.T, s store.Full) {
	ctx := context.Background()
	v := sinkPolicy(t, s, "payments", slow, fast)
	toSlow, toFast := outbox.RefOf(v, 0, slow), outbox.RefOf(v, 1, fast)
	for i := range 4 {
		id := fmt.Sprintf("r%d", i)
		create(t, s, release(id, "payments", "t"+id))
		if i < 3 { // three releases queue on the slow sink first...
			enqueue(t, s, id, messageTo(outbox.KindPage, t0, toSlow), messageTo(outbox.KindResolve, t0, toSlow))
		}
	}
	enqueue(t, s, "r3", messageTo(outbox.KindPage, t0.Add(time.Second), toFast)) // ...then one page to the fast sink
	got := claimAt(t, s, time.Second, 10)
	if len(got) != 2 || got[0].ReleaseID != "r0" || got[0].Kind != outbox.KindPage || got[1].Sink != toFast {
		t.Fatalf("Claim = %+v; want r0's page to the slow sink and the fast sink's page, one each", got)
	}
	if more := claimAt(t, s, 2*time.Second, 10); len(more) != 0 {
		t.Fatalf("Claim with both sinks in flight = %s, want nothing", ids(more))
	}
	// The slow sink fails; r0 waits for its retry, r1 goes next at once.
	if err := s.Retry(ctx, got[0].ID, got[0].Claim, outbox.Failure{Attempts: 1, At: t0.Add(11 * time.Second),
		Next: t0.Add(time.Hour), Err: "no answer within 10s"}); err != nil {
		t.Fatal(err)
	}
	next := claimAt(t, s, 11*time.Second, 10)
	if len(next) != 1 || next[0].ReleaseID != "r1" || next[0].Kind != outbox.KindPage {
		t.Fatalf("Claim after the slow sink's failure = %+v, want r1's page (r0's resolve waits for r0's page)", next)
	}
	if err := s.Delivered(ctx, got[1].ID, got[1].Claim, t0.Add(12*time.Second)); err != nil {
		t.Fatal(err)
	}
	if err := s.Delivered(ctx, next[0].ID, next[0].Claim, t0.Add(12*time.Second)); err != nil {
		t.Fatal(err)
	}
	third := claimAt(t, s, 12*time.Second, 10)
	if len(third) != 1 || third[0].ReleaseID != "r1" || third[0].Kind != outbox.KindResolve {
		t.Fatalf("Claim = %+v, want r1's resolve (its page is delivered); r0's page is not due", third)
	}
}

// testOutboxOrderAcrossVersions: a page written under one policy version and
// a resolve under the next go to the same destination when the sink is the
// same (wherever it sits in the list): the resolve waits for the page. A
// different destination of the same release does not wait.
func testOutboxOrderAcrossVersions(t *testing.T, s store.Full) {
	ctx := context.Background()
	v1 := sinkPolicy(t, s, "payments", slow)
	v2 := sinkPolicy(t, s, "payments", fast, slow)
	create(t, s, release("r1", "payments", "eu-1"))
	enqueue(t, s, "r1", messageTo(outbox.KindPage, t0, outbox.RefOf(v1, 0, slow)))
	enqueue(t, s, "r1", messageTo(outbox.KindResolve, t0, outbox.RefOf(v2, 1, slow)), messageTo(outbox.KindResolve, t0, outbox.RefOf(v2, 0, fast)))
	got := claimAt(t, s, 0, 10)
	if len(got) != 2 || got[0].Kind != outbox.KindPage || got[1].Sink.Kind != outbox.SinkPagerDuty {
		t.Fatalf("Claim = %+v; want the page and the other destination's resolve, not the page's own resolve", got)
	}
	if err := s.Delivered(ctx, got[0].ID, got[0].Claim, t0); err != nil {
		t.Fatal(err)
	}
	if res := claimAt(t, s, 0, 10); len(res) != 1 || res[0].Kind != outbox.KindResolve || res[0].Sink != outbox.RefOf(v2, 1, slow) {
		t.Fatalf("Claim after the page = %+v, want its resolve", res)
	}
}

// testOutboxNotifySink: a reference resolves to the sink exactly as stored
// in that policy version, secrets included; a bad one is ErrNoSink.
func testOutboxNotifySink(t *testing.T, s store.Full) {
	ctx := context.Background()
	v1 := sinkPolicy(t, s, "payments", slow, fast)
	sinkPolicy(t, s, "payments", fast)
	got, err := s.NotifySink(ctx, "payments", outbox.RefOf(v1, 0, slow))
	if err != nil || !equalJSON(got, slow) {
		t.Fatalf("NotifySink(v1, 0) = %+v, %v; want %+v", got, err, slow)
	}
	if got, err := s.NotifySink(ctx, "payments", outbox.RefOf(v1, 1, fast)); err != nil || got.RoutingKey != fast.RoutingKey {
		t.Fatalf("NotifySink(v1, 1) = %+v, %v", got, err)
	}
	for _, ref := range []outbox.SinkRef{{PolicyVersion: 2, Index: 1}, {PolicyVersion: 3}, {PolicyVersion: 1, Index: -1}, {PolicyVersion: 0}} {
		if _, err := s.NotifySink(ctx, "payments", ref); !errors.Is(err, outbox.ErrNoSink) || !errors.Is(err, store.ErrNotFound) {
			t.Errorf("NotifySink(%+v) = %v, want ErrNoSink and ErrNotFound", ref, err)
		}
	}
	if _, err := s.NotifySink(ctx, "nobody", outbox.RefOf(1, 0, slow)); !errors.Is(err, outbox.ErrNoSink) {
		t.Errorf("NotifySink of an unknown service = %v, want ErrNoSink", err)
	}
}
