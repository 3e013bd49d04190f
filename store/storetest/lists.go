package storetest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testListReleases: newest first by (created_at, id bytewise), filters,
// keyset continuation with no row twice or missed.
func testListReleases(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments", "search")
	// Same creation time for b, B, a (ids compared as bytes: "b" > "a" > "B").
	for i, r := range []struct{ id, svc string }{{"old", "payments"}, {"b", "search"}, {"B", "payments"}, {"a", "payments"}} {
		rel := release(r.id, r.svc, r.id)
		if i > 0 {
			rel.CreatedAt, rel.UpdatedAt = t0.Add(time.Minute), t0.Add(time.Minute)
		}
		create(t, s, rel)
	}
	setState(t, s, "a", judge.StateHalted, nil)
	ids := func(q store.ReleaseQuery) string {
		rs, err := s.ListReleases(ctx, q)
		if err != nil {
			t.Fatalf("ListReleases %+v: %v", q, err)
		}
		out := ""
		for _, r := range rs {
			out += r.ID + " "
		}
		return out
	}
	after := t0.Add(time.Minute)
	for _, c := range []struct {
		q    store.ReleaseQuery
		want string
	}{
		{store.ReleaseQuery{}, "b a B old "},
		{store.ReleaseQuery{Limit: 2}, "b a "},
		{store.ReleaseQuery{AfterAt: &after, AfterID: "a"}, "B old "},
		{store.ReleaseQuery{AfterAt: &after, AfterID: "B"}, "old "},
		{store.ReleaseQuery{Service: "payments"}, "a B old "},
		{store.ReleaseQuery{Target: "b"}, "b "},
		{store.ReleaseQuery{State: judge.StateHalted}, "a "},
		{store.ReleaseQuery{Services: []string{"search"}}, "b "},
		{store.ReleaseQuery{Services: []string{"nope"}}, ""},
	} {
		if got := ids(c.q); got != c.want {
			t.Errorf("ListReleases %+v = %q, want %q", c.q, got, c.want)
		}
	}
}

// testAuditQuery: ascending pages continue above AfterID, descending ones
// below it; filters by release and service.
func testAuditQuery(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments", "search")
	create(t, s, release("r1", "payments", "eu-1"))
	create(t, s, release("r2", "search", "eu-1"))
	for i := range 3 {
		unit(t, s, "r1", func(tx store.ReleaseTx) error {
			return tx.Audit(ctx, store.AuditEntry{At: t0, Action: fmt.Sprintf("event:%d", i)})
		})
	}
	all, err := s.AuditLog(ctx, store.AuditQuery{})
	if err != nil || len(all) != 7 { // 2 policies, 2 creates, 3 events
		t.Fatalf("whole audit log = %d entries, %v; want 7", len(all), err)
	}
	actions := func(q store.AuditQuery) string {
		es, err := s.AuditLog(ctx, q)
		if err != nil {
			t.Fatalf("AuditLog %+v: %v", q, err)
		}
		out := ""
		for _, e := range es {
			out += e.Action + " "
		}
		return out
	}
	r1 := store.AuditQuery{ReleaseID: "r1"}
	second := all[4].ID // event:0: two policies, two creates, then the events
	for _, c := range []struct {
		q    store.AuditQuery
		want string
	}{
		{r1, "release:create event:0 event:1 event:2 "},
		{store.AuditQuery{ReleaseID: "r1", Limit: 2}, "release:create event:0 "},
		{store.AuditQuery{ReleaseID: "r1", AfterID: second}, "event:1 event:2 "},
		{store.AuditQuery{ReleaseID: "r1", Desc: true, Limit: 2}, "event:2 event:1 "},
		{store.AuditQuery{ReleaseID: "r1", Desc: true, AfterID: second}, "release:create "},
		{store.AuditQuery{Service: "search"}, "policy:put release:create "},
		{store.AuditQuery{Service: "search", Desc: true}, "release:create policy:put "},
		{store.AuditQuery{Services: []string{"search"}, Desc: true}, "release:create policy:put "},
		{store.AuditQuery{Services: []string{"search", "payments"}, Limit: 3}, "policy:put policy:put release:create "},
		{store.AuditQuery{Services: []string{"nobody"}}, ""},
	} {
		if got := actions(c.q); got != c.want {
			t.Errorf("AuditLog %+v = %q, want %q", c.q, got, c.want)
		}
	}
}

// testSweepStale: baking releases past their analysis deadline, oldest
// deadline first; others (no deadline, not due, not baking) untouched.
func testSweepStale(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	mk := func(id string, deadline *time.Time, state judge.State) {
		r := release(id, "payments", id)
		r.AnalysisDeadline = deadline
		create(t, s, r)
		if state != judge.StateBaking {
			setState(t, s, id, state, nil)
		}
	}
	mk("late2", ptr(t0.Add(2*time.Minute)), judge.StateBaking)
	mk("late1", ptr(t0.Add(time.Minute)), judge.StateBaking)
	mk("due", ptr(t0.Add(time.Hour)), judge.StateBaking)
	mk("none", nil, judge.StateBaking)
	mk("halted", ptr(t0), judge.StateHalted)
	if r, _ := s.GetRelease(ctx, "late1"); r.AnalysisDeadline == nil || !r.AnalysisDeadline.Equal(t0.Add(time.Minute)) {
		t.Fatalf("analysis deadline not kept: %+v", r.AnalysisDeadline)
	}
	now := t0.Add(10 * time.Minute)
	var order []string
	n, err := s.SweepStale(ctx, now, 10, func(tx store.ReleaseTx) error {
		order = append(order, tx.Release().ID)
		r := tx.Release()
		r.State, r.StateReason, r.UpdatedAt, r.AnalysisDeadline = judge.StateHalted, judge.ReasonNoAnalysis, now, nil
		return tx.UpdateRelease(ctx, r)
	})
	if err != nil || n != 2 || fmt.Sprint(order) != "[late1 late2]" {
		t.Fatalf("SweepStale = %d %v, order %v; want late1 then late2", n, err, order)
	}
	if r, _ := s.GetRelease(ctx, "late1"); r.State != judge.StateHalted || r.AnalysisDeadline != nil {
		t.Fatalf("swept release = %+v", r)
	}
	if n, _ := s.SweepStale(ctx, now, 10, func(store.ReleaseTx) error { return nil }); n != 0 {
		t.Fatalf("second SweepStale handled %d", n)
	}
}
