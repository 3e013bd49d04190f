package runner_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestFleetBenchmark is the fleet-scale benchmark of one replica: N
// releases (default 2,000) scheduled at once, each with 4 metrics (12
// queries a window) and 1-minute windows, against a real Prometheus over
// data generated around now, on PostgreSQL. It needs real time (a few
// minutes), so it runs only when asked:
//
//	CANARYJUDGE_BENCH_RUNS=1 go test -run TestFleetBenchmark -v -timeout 30m ./source/runner/
//
// (BENCH_RELEASES, BENCH_MINUTES, BENCH_WORKERS and BENCH_ALIGNED=1 change
// the shape). Runs start spread over the first minute, as releases of a
// fleet do (BENCH_ALIGNED=1 starts them all on the same second: the worst
// case). It reports the p99 lag of window starts (claim time minus due
// time), canaryjudge's CPU (this process: HTTP API, runner, engine,
// store client) and Prometheus's, and queries per second to Prometheus.
func TestFleetBenchmark(t *testing.T) {
	if os.Getenv("CANARYJUDGE_BENCH_RUNS") == "" {
		t.Skip("set CANARYJUDGE_BENCH_RUNS=1 to run the fleet benchmark (real time: several minutes)")
	}
	n, minutes, workers := envInt("BENCH_RELEASES", 2000), envInt("BENCH_MINUTES", 5), envInt("BENCH_WORKERS", 32)
	const apps = 100
	now := time.Now().Truncate(time.Minute)
	var tracks []promtest.Track
	for i := range apps {
		b := promtest.Track{App: fmt.Sprintf("svc-%03d", i), Track: "baseline", RPS: 50, ErrorRatio: 0.005, LatencyMedian: 0.1, CPU: 0.5, CheckoutRPS: 5, CheckoutSuccess: 0.97}
		c := b
		c.Track = "canary"
		tracks = append(tracks, b, c)
	}
	t0 := time.Now()
	prom := promtest.Start(t, promtest.Data{Start: now.Add(-10 * time.Minute), End: now.Add(time.Duration(minutes+4) * time.Minute),
		Scrape: 5 * time.Second, Tracks: tracks, Seed: 3})
	t.Logf("prometheus loaded %d series in %s", apps*2*19, time.Since(t0).Round(time.Second))
	st := pgtest.Open(t)
	s := newStack(t, st)
	setupFleet(t, s, prom.URL, n, apps)
	stop := s.runner(runner.Options{Workers: workers, Poll: time.Second, Owner: "bench"}).Start()
	start := time.Now()
	ids := scheduleFleet(t, s, n, os.Getenv("BENCH_ALIGNED") != "")
	t.Logf("scheduled %d runs in %s", n, time.Since(start).Round(time.Millisecond))
	time.Sleep(time.Minute) // warm-up: the first windows come due (this benchmark measures real time)
	cpu0, pcpu0, q0, w0 := cpuSelf(), cpuOf(prom.Pid()), counter(t, s.reg, "canaryjudge_source_requests_total"), time.Now()
	time.Sleep(time.Duration(minutes-1) * time.Minute)
	cpu1, pcpu1, q1, w1 := cpuSelf(), cpuOf(prom.Pid()), counter(t, s.reg, "canaryjudge_source_requests_total"), time.Now()
	stop()
	wall := w1.Sub(w0).Seconds()
	lags, srcErrs := fleetLags(t, st, ids)
	slices.Sort(lags)
	q := func(p float64) float64 { return lags[min(len(lags)-1, int(p*float64(len(lags))))] }
	t.Logf("releases %d, windows judged %d (with a source error or a query problem: %d), workers %d", n, len(lags), srcErrs, workers)
	t.Logf("lag of window starts: p50 %.2fs  p99 %.2fs  max %.2fs", q(0.5), q(0.99), lags[len(lags)-1])
	t.Logf("canaryjudge CPU %.3f cores; prometheus CPU %.3f cores; queries to prometheus %.0f/s (over %.0fs)",
		(cpu1-cpu0)/wall, (pcpu1-pcpu0)/wall, (q1-q0)/wall, wall)
	if q(0.99) > 5 {
		t.Errorf("lag p99 %.2fs, target < 5s", q(0.99))
	}
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// setupFleet: one service whose policy cannot promote within the
// benchmark (min_bake 1h), its source, and n releases on n targets.
func setupFleet(t *testing.T, s *stack, url string, n, apps int) {
	pol, err := os.ReadFile("../prometheus/testdata/policy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(pol), "windows:\n  interval: 5m\n  min_windows: 3\n  min_bake: 15m", "windows:\n  interval: 1m\n  min_windows: 3\n  min_bake: 1h", 1)
	doc = strings.Replace(doc, "max_windows: 8", "max_windows: 100", 1)
	s.mustDo(t, "PUT", "/v1/services/fleet/policy", []byte(doc), -1, nil)
	s.mustDo(t, "PUT", "/v1/sources/prom", map[string]any{"type": "prometheus", "config": map[string]any{"url": url, "step": "10s", "timeout": "10s"}}, -1, nil)
	parallel(n, func(i int) {
		s.mustDo(t, "POST", "/v1/releases", map[string]any{"service": "fleet", "target": fmt.Sprintf("t%04d", i), "version": "v2", "baseline_version": "v1"}, 201, nil)
	})
}

// scheduleFleet creates one run per release: 1-minute windows, starts
// spread over the next minute (or all on one second).
func scheduleFleet(t *testing.T, s *stack, n int, aligned bool) []string {
	rels, err := s.st.ListReleases(context.Background(), store.ReleaseQuery{Service: "fleet"})
	if err != nil || len(rels) != n {
		t.Fatalf("%d releases (%v)", len(rels), err)
	}
	base := time.Now().Add(5 * time.Second).Truncate(time.Second)
	ids := make([]string, n)
	parallel(n, func(i int) {
		start := base.Add(time.Duration(i) * time.Minute / time.Duration(n))
		if aligned {
			start = base
		}
		app := fmt.Sprintf("svc-%03d", i%100)
		var v runView
		s.mustDo(t, "POST", "/v1/releases/"+rels[i].ID+"/runs", map[string]any{"source": "prom", "interval": "1m", "lifetime": "100m",
			"start": start.Format(time.RFC3339Nano),
			"scope": map[string]any{"canary": map[string]string{"app": app, "track": "canary"}, "baseline": map[string]string{"app": app, "track": "baseline"}}}, 202, &v)
		ids[i] = v.ID
	})
	return ids
}

func parallel(n int, f func(i int)) {
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() { defer func() { <-sem; wg.Done() }(); f(i) }()
	}
	wg.Wait()
}

// fleetLags reads every judged window's lag.
func fleetLags(t *testing.T, st store.Full, ids []string) (lags []float64, srcErrs int) {
	for _, id := range ids {
		ws, err := st.RunWindows(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range ws {
			lags = append(lags, w.LagSeconds)
			for _, q := range w.Queries {
				if q.Problem != "" {
					srcErrs++
					t.Logf("window %d of %s: %s: %s", w.Seq, id, q.Query, q.Problem)
					break
				}
			}
			if w.SourceError != "" {
				srcErrs++
				if srcErrs == 1 {
					t.Logf("first source error: %s", w.SourceError)
				}
			}
		}
	}
	if len(lags) == 0 {
		t.Fatal("no window was judged")
	}
	return lags, srcErrs
}

func cpuSelf() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}

// cpuOf reads a process's user+system CPU seconds from /proc.
func cpuOf(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+2:]))
	ut, _ := strconv.ParseFloat(f[11], 64)
	stt, _ := strconv.ParseFloat(f[12], 64)
	return (ut + stt) / 100 // USER_HZ
}
