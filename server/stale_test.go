package server_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// TestStaleReleaseEscalated: a baking release that gets no analysis within
// stale_after (default 3 x interval) is halted by the sweeper
// (escalate/no_analysis) and paged once; an analysis pushes the deadline
// back; a policy's own stale_after is honoured.
func TestStaleReleaseEscalated(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newStack(t, st, nil)
		setupService(t, s, "quiet", testPolicy(1000, hook)) // interval 5m: stale after 15m
		setupService(t, s, "patient", `{"metrics":[{"name":"latency_p99","group":"latency","direction":"increase"}],
			"windows":{"interval":"5m","stale_after":"30m"}`+hook+`}`)
		never := createRelease(t, s, "quiet", "never", "").ID
		fed := createRelease(t, s, "quiet", "fed", "").ID
		patient := createRelease(t, s, "patient", "p", "").ID
		s.clock.Advance(10 * time.Minute)
		analyze(t, s, fed, healthy(1)) // due again at 10m + 15m
		s.clock.Advance(6 * time.Minute)
		if n, err := s.h.Sweep(context.Background()); err != nil || n != 1 {
			t.Fatalf("sweep at 16m handled %d (%v), want 1 (only the release never analysed)", n, err)
		}
		d := decode[decisionViewT](t, call(t, s.srv, "GET", "/v1/releases/"+never+"/decision", nil))
		if d.Action != "escalate" || d.Reason != "no_analysis" || d.State != "halted" || d.Trigger != "sweeper" {
			t.Fatalf("stale release: %+v", d)
		}
		if stateOf(t, s, fed) != "baking" || stateOf(t, s, patient) != "baking" {
			t.Fatal("a release within its stale_after was swept")
		}
		if n, _ := s.h.Sweep(context.Background()); n != 0 {
			t.Fatalf("a second sweep handled %d", n)
		}
		if p := pages(t, st, never); p != 1 {
			t.Fatalf("%d pages for the stale release, want 1", p)
		}
		s.clock.Advance(15 * time.Minute) // 31m: fed (due 25m) and patient (due 30m)
		if n, err := s.h.Sweep(context.Background()); err != nil || n != 2 {
			t.Fatalf("sweep at 31m handled %d (%v), want 2", n, err)
		}
	})
}

type decisionViewT struct {
	Action, Reason, State, Trigger string
}

// TestStaleSweepTwoReplicasPageOnce: two servers sweeping one database at
// once halt and page each stale release exactly once.
func TestStaleSweepTwoReplicasPageOnce(t *testing.T) {
	a, b, st := twoReplicas(t)
	setupService(t, a, "quiet", testPolicy(1000, hook))
	const n = 12
	for i := range n {
		createRelease(t, a, "quiet", fmt.Sprintf("t%d", i), "")
	}
	a.clock.Advance(16 * time.Minute) // shared clock
	handled := sweepRace(t, a, b)
	pool := st.Pool()
	halted := count(t, pool, `SELECT count(*) FROM decisions WHERE reason = 'no_analysis'`)
	paged := count(t, pool, `SELECT count(*) FROM outbox WHERE kind = 'page'`)
	maxPer := count(t, pool, `SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM outbox WHERE kind = 'page' GROUP BY release_id) x`)
	if halted != n || paged != n || maxPer != 1 || handled[0]+handled[1] != n {
		t.Fatalf("halted %d, paged %d (max %d per release), handled %v; want %d each, once", halted, paged, maxPer, handled, n)
	}
}
