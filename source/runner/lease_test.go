package runner_test

import (
	"context"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/store"
)

// fakeRun makes a release of service with a run over fake source id:
// 5-minute windows from two hours ago, 8 of them.
func fakeRun(t *testing.T, s *stack, service, id string) (runID, relID string, start time.Time) {
	t.Helper()
	newFake(id)
	rel := s.release(t, service, "http://unused:9090")
	s.mustDo(t, "PUT", "/v1/sources/"+id, map[string]any{"type": "fake", "config": map[string]string{"id": id}}, -1, nil)
	start = time.Now().Add(-2 * time.Hour).Truncate(time.Minute)
	var v runView
	s.mustDo(t, "POST", "/v1/releases/"+rel+"/runs", map[string]any{"source": id, "interval": "5m", "lifetime": "40m", "start": start.Format(time.RFC3339),
		"scope": map[string]any{"canary": map[string]string{"track": "canary"}, "baseline": map[string]string{"track": "baseline"}}}, 202, &v)
	return v.ID, rel, start
}

func analyses(t *testing.T, st store.Full, rel string) []store.Analysis {
	t.Helper()
	as, err := st.Analyses(context.Background(), rel, 0)
	if err != nil {
		t.Fatal(err)
	}
	return as
}

// TestKilledWorker: a worker dies after its window's analysis committed
// but before it recorded the window. Nobody else runs the window while its
// lease lasts; once it expires another worker takes the run over, runs the
// window again and gets the stored answer back: one analysis per window.
func TestKilledWorker(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			s := newStack(t, st)
			runID, rel, _ := fakeRun(t, s, "checkout", "fake-killed-"+name)
			clock := &settable{t: time.Now()}
			ctx := context.Background()
			a := runner.New(killedAfterAnalysis{st}, s.h.Engine(), runner.Options{Owner: "A", Now: clock.Now, Lease: time.Minute, Backends: backends})
			if n, err := a.Tick(ctx); n != 1 || err != nil {
				t.Fatalf("worker A claimed %d runs (%v), want 1", n, err)
			}
			if as := analyses(t, st, rel); len(as) != 1 {
				t.Fatalf("%d analyses after A's window, want 1", len(as))
			}
			b := s.runner(runner.Options{Owner: "B", Now: clock.Now, Lease: time.Minute})
			clock.Add(59 * time.Second)
			if n, _ := b.Tick(ctx); n != 0 {
				t.Fatalf("worker B took a run whose lease is still A's")
			}
			clock.Add(2 * time.Second)
			if n, err := b.Tick(ctx); n != 1 || err != nil {
				t.Fatalf("worker B claimed %d runs after A's lease expired (%v), want 1", n, err)
			}
			as := analyses(t, st, rel)
			ws, _ := st.RunWindows(ctx, runID)
			if len(as) != 1 || len(ws) != 1 || !ws[0].Adopted || ws[0].AnalysisID == nil || *ws[0].AnalysisID != as[0].ID || ws[0].Worker != "B" {
				t.Fatalf("after the takeover: %d analyses, windows %+v; want window 1 adopted by B with A's analysis", len(as), ws)
			}
			if n := counter(t, s.reg, "canaryjudge_run_lease_takeovers_total"); n != 1 {
				t.Errorf("lease takeovers = %g, want 1", n)
			}
			finish(t, s, st, b, clock, runID, rel)
		})
	}
}

// finish ticks b until the run ends (healthy data: promoted) and checks
// one analysis per window.
func finish(t *testing.T, s *stack, st store.Full, b *runner.Runner, clock *settable, runID, rel string) {
	t.Helper()
	for range 20 {
		if n, err := b.Tick(context.Background()); err != nil || n == 0 {
			break
		}
	}
	run, err := st.GetRun(context.Background(), runID)
	ws, _ := st.RunWindows(context.Background(), runID)
	as := analyses(t, st, rel)
	if err != nil || run.State != store.RunSucceeded || len(ws) != run.Done || len(as) != run.Done {
		t.Fatalf("run %s %s after %d windows (%v): %d window records, %d analyses; want one of each per window", runID, run.State, run.Done, err, len(ws), len(as))
	}
	seen := map[int64]bool{}
	for _, w := range ws {
		if w.AnalysisID == nil || seen[*w.AnalysisID] {
			t.Fatalf("window %d: analysis %v shared or missing", w.Seq, w.AnalysisID)
		}
		seen[*w.AnalysisID] = true
	}
	t.Logf("run ended %s after %d windows: %s", run.State, run.Done, run.Reason)
}

// TestCancelledWorker: a worker's context is cancelled mid-fetch (its
// process is shutting down). It gives the run back; the next worker runs
// the window from scratch: one analysis.
func TestCancelledWorker(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			s := newStack(t, st)
			id := "fake-cancel-" + name
			runID, rel, _ := fakeRun(t, s, "checkout", id)
			f := fakes[id]
			started := make(chan struct{})
			f.block = func(ctx context.Context) error { close(started); <-ctx.Done(); return ctx.Err() }
			clock := &settable{t: time.Now()}
			a := s.runner(runner.Options{Owner: "A", Now: clock.Now, Lease: time.Minute, Retry: 10 * time.Second})
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan struct{})
			go func() { defer close(done); _, _ = a.Tick(ctx) }()
			<-started
			cancel()
			<-done
			f.mu.Lock()
			f.block = nil
			f.mu.Unlock()
			if as := analyses(t, st, rel); len(as) != 0 {
				t.Fatalf("a cancelled window stored %d analyses", len(as))
			}
			b := s.runner(runner.Options{Owner: "B", Now: clock.Now, Lease: time.Minute})
			if n, _ := b.Tick(context.Background()); n != 0 {
				t.Fatal("the run was claimable before its retry time")
			}
			clock.Add(11 * time.Second)
			if n, err := b.Tick(context.Background()); n != 1 || err != nil {
				t.Fatalf("B claimed %d (%v), want 1", n, err)
			}
			ws, _ := st.RunWindows(context.Background(), runID)
			if as := analyses(t, st, rel); len(as) != 1 || len(ws) != 1 || ws[0].Adopted {
				t.Fatalf("%d analyses, windows %+v; want one fresh analysis", len(as), ws)
			}
			finish(t, s, st, b, clock, runID, rel)
		})
	}
}

// TestWindowAlreadyPosted: a deploy tool (or an attempt under another key)
// already posted the run's window with the same span. The engine refuses
// the repeat (window conflict) and the run adopts that analysis.
func TestWindowAlreadyPosted(t *testing.T) {
	s := newStack(t, stores(t)["memory"](t))
	runID, rel, start := fakeRun(t, s, "checkout", "fake-posted")
	res, _ := fakes["fake-posted"].Fetch(context.Background(), sourceReq(s, t, start))
	body := map[string]any{"canary": res.Canary, "baseline": res.Baseline,
		"window": map[string]string{"start": start.Format(time.RFC3339), "end": start.Add(5 * time.Minute).Format(time.RFC3339)}}
	s.mustDo(t, "POST", "/v1/releases/"+rel+"/analyses", body, 200, nil)
	b := s.runner(runner.Options{Owner: "B"})
	if n, err := b.Tick(context.Background()); n != 1 || err != nil {
		t.Fatalf("claimed %d (%v)", n, err)
	}
	ws, _ := s.st.RunWindows(context.Background(), runID)
	if as := analyses(t, s.st, rel); len(as) != 1 || len(ws) != 1 || !ws[0].Adopted || *ws[0].AnalysisID != as[0].ID {
		t.Fatalf("%d analyses, windows %+v; want the posted analysis adopted", len(as), ws)
	}
	finish(t, s, s.st, b, nil, runID, rel)
}

func sourceReq(s *stack, t *testing.T, start time.Time) source.Request {
	pol, err := s.st.GetPolicy(context.Background(), "checkout")
	if err != nil {
		t.Fatal(err)
	}
	return source.Request{Metrics: pol.Policy.Metrics, Start: start, End: start.Add(5 * time.Minute)}
}

// TestSlowWorkerOverlaps: worker A is so slow that its lease expires while
// it still fetches; B takes the run over and judges the window. When A
// finally posts, the engine hands it B's answer and the store refuses A's
// record (its claim is no longer current): one analysis, one record, B's.
func TestSlowWorkerOverlaps(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			s := newStack(t, st)
			id := "fake-slow-" + name
			runID, rel, _ := fakeRun(t, s, "checkout", id)
			f := fakes[id]
			started, release := make(chan struct{}), make(chan struct{})
			f.block = func(ctx context.Context) error { close(started); <-release; return nil }
			clock := &settable{t: time.Now()}
			a := s.runner(runner.Options{Owner: "A", Now: clock.Now, Lease: time.Minute})
			done := make(chan struct{})
			go func() { defer close(done); _, _ = a.Tick(context.Background()) }()
			<-started
			f.mu.Lock()
			f.block = nil
			f.mu.Unlock()
			clock.Add(2 * time.Minute)
			b := s.runner(runner.Options{Owner: "B", Now: clock.Now, Lease: time.Minute})
			if n, err := b.Tick(context.Background()); n != 1 || err != nil {
				t.Fatalf("B claimed %d (%v), want the expired run", n, err)
			}
			close(release)
			<-done
			ws, _ := st.RunWindows(context.Background(), runID)
			if as := analyses(t, st, rel); len(as) != 1 || len(ws) != 1 || ws[0].Worker != "B" {
				t.Fatalf("%d analyses, windows %+v; want one, recorded by B", len(as), ws)
			}
			finish(t, s, st, b, clock, runID, rel)
		})
	}
}
