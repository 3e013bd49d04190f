package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// sampleRun is a run of release id: 5 one-minute windows from t0.
func sampleRun(id, releaseID string) store.Run {
	r := store.Run{ID: id, ReleaseID: releaseID, Source: "prom", Start: odd,
		Scope:    store.Scopes{Canary: map[string]string{"app": "checkout", "track": `can"ary}\`}, Baseline: map[string]string{"app": "checkout", "track": "baseline"}},
		Interval: judge.D(time.Minute), Lookback: judge.D(time.Minute), Windows: 5, CreatedAt: t0, UpdatedAt: t0, CreatedBy: "alice"}
	_, _, r.NextDue = r.WindowSpan(1)
	return r
}

func createRun(t *testing.T, s store.Full, r store.Run) store.Run {
	t.Helper()
	got, err := s.CreateRun(context.Background(), r, store.AuditEntry{Actor: "alice", Action: "run:create"})
	if err != nil {
		t.Fatalf("CreateRun %s: %v", r.ID, err)
	}
	return got
}

func claim(t *testing.T, s store.Full, now time.Time, limit int, owner string) []store.ClaimedRun {
	t.Helper()
	cs, err := s.ClaimRuns(context.Background(), now, limit, time.Minute, owner)
	if err != nil {
		t.Fatalf("ClaimRuns: %v", err)
	}
	return cs
}

func testRunCreate(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	create(t, s, release("rel_run1", "checkout", "eu"))
	if _, err := s.CreateRun(ctx, sampleRun("run_x", "rel_nope"), store.AuditEntry{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("run of an unknown release: err = %v, want ErrNotFound", err)
	}
	got := createRun(t, s, sampleRun("run_a", "rel_run1"))
	want := sampleRun("run_a", "rel_run1")
	if got.State != store.RunRunning || got.Service != "checkout" || !got.Start.Equal(odd.Truncate(µs)) || got.Start.Location() != time.UTC ||
		got.Scope.Canary["track"] != want.Scope.Canary["track"] || got.Windows != 5 || !got.NextDue.Equal(odd.Add(time.Minute).Truncate(µs)) {
		t.Fatalf("created run = %+v", got)
	}
	read, err := s.GetRun(ctx, "run_a")
	if err != nil || !read.Start.Equal(got.Start) || read.Scope.Canary["track"] != want.Scope.Canary["track"] || read.Interval != got.Interval || read.CreatedBy != "alice" {
		t.Fatalf("GetRun = %+v, %v", read, err)
	}
	var active *store.ActiveRunError
	if _, err := s.CreateRun(ctx, sampleRun("run_b", "rel_run1"), store.AuditEntry{}); !errors.As(err, &active) || active.Active.ID != "run_a" || !errors.Is(err, store.ErrConflict) {
		t.Fatalf("second running run: err = %v, want *ActiveRunError naming run_a", err)
	}
	if _, err := s.GetRun(ctx, "run_b"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("refused run was stored: %v", err)
	}
	c, err := s.CancelRun(ctx, "run_a", "operator", t0.Add(time.Hour), store.AuditEntry{Actor: "bob", Action: "run:cancel"})
	if err != nil || c.State != store.RunCanceled || c.Reason != "operator" {
		t.Fatalf("CancelRun = %+v, %v", c, err)
	}
	if c, err := s.CancelRun(ctx, "run_a", "again", t0, store.AuditEntry{}); !errors.Is(err, store.ErrConflict) || c.State != store.RunCanceled {
		t.Fatalf("cancel of a cancelled run = %+v, %v; want ErrConflict", c, err)
	}
	if _, err := s.CancelRun(ctx, "run_nope", "", t0, store.AuditEntry{}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("cancel of an unknown run: %v", err)
	}
	createRun(t, s, sampleRun("run_b", "rel_run1")) // allowed once run_a ended
	bad := sampleRun("run_c", "rel_run1")
	bad.Scope.Canary["app"] = "nul\x00"
	if _, err := s.CreateRun(ctx, bad, store.AuditEntry{}); err == nil {
		t.Fatal("a NUL in a scope value was stored")
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "rel_run1"})
	if err != nil || countAction(log, "run:create") != 2 || countAction(log, "run:cancel") != 1 {
		t.Fatalf("audit = %+v, %v; want 2 run:create and 1 run:cancel", log, err)
	}
}

func countAction(es []store.AuditEntry, action string) int {
	n := 0
	for _, e := range es {
		if e.Action == action {
			n++
		}
	}
	return n
}

// testRunLease: a claimed run is held until its lease expires; only the
// current claim completes its window; an expired lease is taken over.
func testRunLease(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	create(t, s, release("rel_lease", "checkout", "eu"))
	r := createRun(t, s, sampleRun("run_l", "rel_lease"))
	if cs := claim(t, s, r.NextDue.Add(-µs), 10, "w1"); len(cs) != 0 {
		t.Fatalf("claimed a run before it is due: %+v", cs)
	}
	now := r.NextDue
	cs := claim(t, s, now, 10, "w1")
	if len(cs) != 1 || cs[0].Takeover || cs[0].Run.LeaseOwner != "w1" || cs[0].Run.Claim != 1 || !cs[0].Run.LeaseUntil.Equal(now.Add(time.Minute)) {
		t.Fatalf("first claim = %+v", cs)
	}
	if again := claim(t, s, now.Add(time.Minute), 10, "w2"); len(again) != 0 {
		t.Fatalf("claimed a run whose lease has not expired (lease_until is not before now): %+v", again)
	}
	took := claim(t, s, now.Add(time.Minute+µs), 10, "w2")
	if len(took) != 1 || !took[0].Takeover || took[0].Run.Claim != 2 || took[0].Run.LeaseOwner != "w2" {
		t.Fatalf("takeover claim = %+v", took)
	}
	start, end, _ := r.WindowSpan(1)
	w := store.RunWindow{Seq: 1, Start: start, End: end, Worker: "w1", StartedAt: now, At: now,
		Queries: []store.AskedQuery{{Metric: "errors", Side: "canary", Part: "events", Query: `sum(x{track="a\"b"})`, Series: 1, Points: 5}}}
	u := store.RunUpdate{State: store.RunRunning, At: now, Decision: &judge.Decision{Action: judge.ActionWait, Reason: judge.ReasonBakeIncomplete}}
	if _, err := s.CompleteWindow(ctx, "run_l", 1, w, u); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("complete with the taken-over claim: err = %v, want ErrLeaseLost", err)
	}
	if err := s.ReleaseRun(ctx, "run_l", 1, now); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("release with the taken-over claim: err = %v, want ErrLeaseLost", err)
	}
	w.Seq = 2
	if _, err := s.CompleteWindow(ctx, "run_l", 2, w, u); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("complete of a window that is not the next: err = %v, want ErrLeaseLost", err)
	}
	w.Seq, w.Worker, w.Lag = 1, "w2", 1500*time.Millisecond
	got, err := s.CompleteWindow(ctx, "run_l", 2, w, u)
	_, end2, due2 := r.WindowSpan(2)
	if err != nil || got.Done != 1 || got.State != store.RunRunning || !got.NextDue.Equal(due2) || got.LeaseUntil != nil || got.LeaseOwner != "" ||
		got.Decision == nil || got.Decision.Reason != judge.ReasonBakeIncomplete {
		t.Fatalf("completed = %+v, %v (want next due %s)", got, err, end2)
	}
	if _, err := s.CompleteWindow(ctx, "run_l", 2, w, u); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("second completion of one claim: err = %v, want ErrLeaseLost", err)
	}
	ws, err := s.RunWindows(ctx, "run_l")
	if err != nil || len(ws) != 1 || ws[0].Worker != "w2" || ws[0].Claim != 2 || ws[0].LagSeconds != 1.5 ||
		len(ws[0].Queries) != 1 || ws[0].Queries[0].Query != `sum(x{track="a\"b"})` || !ws[0].End.Equal(end.Truncate(µs)) {
		t.Fatalf("RunWindows = %+v, %v", ws, err)
	}
	// Given back: due again at the retry time, claimable by anyone.
	cs = claim(t, s, due2, 1, "w3")
	if len(cs) != 1 || cs[0].Takeover {
		t.Fatalf("claim of window 2 = %+v", cs)
	}
	if err := s.ReleaseRun(ctx, "run_l", cs[0].Run.Claim, due2.Add(time.Hour)); err != nil {
		t.Fatalf("ReleaseRun: %v", err)
	}
	if cs := claim(t, s, due2.Add(30*time.Minute), 1, "w3"); len(cs) != 0 {
		t.Fatalf("a released run was claimed before its retry time: %+v", cs)
	}
	if cs := claim(t, s, due2.Add(time.Hour), 1, "w3"); len(cs) != 1 || cs[0].Takeover {
		t.Fatalf("claim after the retry time = %+v", cs)
	}
}

// testRunLifetime: the last window of a run still waiting ends it
// TERMINAL; a cancelled run cannot be completed.
func testRunLifetime(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	create(t, s, release("rel_life", "checkout", "eu"))
	r := sampleRun("run_life", "rel_life")
	r.Windows = 2
	createRun(t, s, r)
	for k := 1; k <= 2; k++ {
		_, _, due := r.WindowSpan(k)
		cs := claim(t, s, due, 5, "w")
		if len(cs) != 1 {
			t.Fatalf("window %d: claims = %+v", k, cs)
		}
		got, err := s.CompleteWindow(ctx, "run_life", cs[0].Run.Claim, store.RunWindow{Seq: k, StartedAt: due, At: due},
			store.RunUpdate{State: store.RunRunning, At: due})
		if err != nil {
			t.Fatalf("window %d: %v", k, err)
		}
		if want := map[int]store.RunState{1: store.RunRunning, 2: store.RunTerminal}[k]; got.State != want || (k == 2 && got.Reason == "") {
			t.Fatalf("after window %d: %+v, want %s", k, got, want)
		}
	}
	if cs := claim(t, s, r.Start.Add(time.Hour), 5, "w"); len(cs) != 0 {
		t.Fatalf("a finished run was claimed: %+v", cs)
	}
	create(t, s, release("rel_cancel", "checkout", "us"))
	c := createRun(t, s, sampleRun("run_cancel", "rel_cancel"))
	cs := claim(t, s, c.NextDue, 5, "w")
	if _, err := s.CancelRun(ctx, "run_cancel", "stop", c.NextDue, store.AuditEntry{}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CompleteWindow(ctx, "run_cancel", cs[0].Run.Claim, store.RunWindow{Seq: 1}, store.RunUpdate{State: store.RunRunning}); !errors.Is(err, store.ErrLeaseLost) {
		t.Fatalf("completing a cancelled run: err = %v, want ErrLeaseLost", err)
	}
}

// testRunClaimReplicas: replicas claiming at once take every due run
// exactly once.
func testRunClaimReplicas(t *testing.T, newStore Factory) {
	s, replica := newStore(t)
	withPolicy(t, s, "checkout")
	const n = 40
	for i := range n {
		id := "rel_rc" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		create(t, s, release(id, "checkout", "t"+id))
		createRun(t, s, sampleRun("run_"+id, id))
	}
	due := sampleRun("x", "x").NextDue
	replicas := []store.Full{s, replica(t), replica(t), replica(t)}
	var (
		mu    sync.Mutex
		seen  = map[string]int{}
		wg    sync.WaitGroup
		fails []error
	)
	for i, st := range replicas {
		for g := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					cs, err := st.ClaimRuns(context.Background(), due, 3, time.Minute, "r"+string(rune('0'+i))+string(rune('0'+g)))
					mu.Lock()
					if err != nil {
						fails = append(fails, err)
					}
					for _, c := range cs {
						seen[c.Run.ID]++
					}
					mu.Unlock()
					if err != nil || len(cs) == 0 {
						return
					}
				}
			}()
		}
	}
	wg.Wait()
	if len(fails) > 0 {
		t.Fatalf("claim errors: %v", fails)
	}
	if len(seen) != n {
		t.Fatalf("%d runs claimed, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("run %s claimed %d times", id, k)
		}
	}
}
