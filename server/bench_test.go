package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/gctune"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/jackc/pgx/v5"
)

// BenchmarkDecisionPath measures POST /v1/releases/{id}/analyses with 10
// metrics x 60 points per side, through real HTTP, on real PostgreSQL:
// judging, proposing, guards, and the unit of work's two round trips. Eight
// clients each drive releases of three or four windows (stamped in window time)
// that end promoted and start again, as real ones do; every window has
// series of its own, drawn from one distribution for both sides (a healthy
// canary), as a real release's windows do. The clients run in a process of
// their own (benchclient_test.go), so this one is the server alone. It
// reports decisions/s, p50 and p99 latency, the server's CPU per decision
// (canaryjudge's) and the bytes it allocates, the clients' CPU and the rest
// of the machine's (PostgreSQL's above all), and, when pgbench is
// installed, pgbench's TPC-B on the same server with 8 clients.
//
//	go test -run '^$' -bench DecisionPath -benchtime 2000x ./server/
//
// scripts/bench-decisions.sh runs both benchmarks, on a cluster that keeps
// PostgreSQL's durability defaults (as pgbench is usually measured), and
// prints the README's table.
func BenchmarkDecisionPath(b *testing.B) { benchModes(b, 3) }

// BenchmarkDecisionPathLong is BenchmarkDecisionPath with every release
// first driven to its 247th window (not timed), so every timed decision is
// at a window from the 248th on: the cost of a decision does not grow with
// the release.
func BenchmarkDecisionPathLong(b *testing.B) { benchModes(b, 250) }

// benchModes runs the benchmark once per judging mode.
func benchModes(b *testing.B, at int) {
	for _, mode := range []string{"default", "sequential"} {
		b.Run("mode="+mode, func(b *testing.B) { benchDecisions(b, at, mode) })
	}
}

// benchClients is how many clients send at once.
const benchClients = 8

func benchDecisions(b *testing.B, at int, mode string) {
	// The collector's percent that `canaryjudge serve` on PostgreSQL runs
	// with (400 unless GOGC is set), so the figures are the server's.
	gctune.Apply(os.Getenv)
	url := pgtest.URL(b)
	s := newStack(b, openPG(b, url), nil)
	metrics := make([]string, 10)
	for i := range metrics {
		metrics[i] = fmt.Sprintf(`{"name":"m%d","group":"g%d","direction":"increase"}`, i, i%3)
	}
	min, max := 3, 10
	if at > 3 {
		min, max = 1000, 10000 // never promoted within the benchmark: the release runs on
	}
	policy := fmt.Sprintf(`{"mode":%q,"metrics":[%s],"windows":{"interval":"1m","min_windows":%d,"min_bake":"3m","max_windows":%d}}`, mode, join(metrics), min, max)
	put(b, s, "PUT", "/v1/services/bench/policy", policy, 201)
	clients := startBenchClients(b, benchClientConfig{URL: s.srv.URL, Clients: benchClients, Prefill: at - 3, N: b.N, T0: s.clock.Now().Unix()})
	var pg float64
	if b.N > 1 {
		pg, _ = pgbenchTPCB(b, url)
		logDurability(b, url)
	}
	bytes0, live0 := storedBytes(b, url), liveBytes(b, url)
	cpu0, machine0 := cpuTime(), machineCPU()
	var mem0, mem1 runtime.MemStats
	runtime.ReadMemStats(&mem0)
	gc0 := gcCPU()
	b.ResetTimer()
	start := time.Now()
	lat, clientCPU := clients.run(b)
	elapsed := time.Since(start)
	b.StopTimer()
	cpu, machine := cpuTime()-cpu0, machineCPU()-machine0
	runtime.ReadMemStats(&mem1)
	gc := gcCPU() - gc0
	bytes1, live1 := storedBytes(b, url), liveBytes(b, url)
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "decisions/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
		b.ReportMetric(float64(cpu.Microseconds())/1000/float64(len(lat)), "cpu_ms/decision")
		b.ReportMetric(float64(clientCPU.Microseconds())/1000/float64(len(lat)), "clients_cpu_ms/decision")
		if machine > 0 {
			b.ReportMetric(float64((machine-cpu-clientCPU).Microseconds())/1000/float64(len(lat)), "others_cpu_ms/decision")
		}
		// What the server allocates per decision: the garbage its collector
		// must trace and free (a figure the machine's noise does not move).
		b.ReportMetric(float64(mem1.TotalAlloc-mem0.TotalAlloc)/1024/float64(len(lat)), "alloc_KB/decision")
		b.ReportMetric(gc*1000/float64(len(lat)), "gc_cpu_ms/decision")
		reportBytes(b, bytes0, bytes1, len(lat), "stored_B/decision", "stored")
		reportBytes(b, live0, live1, len(lat), "live_B/decision", "live rows and indexes")
	}
	if pg > 0 {
		b.ReportMetric(pg, "pgbench_tpcb_tps")
	}
}

// gcCPU is the CPU time, in seconds, the collector has spent so far (its
// share of cpu_ms/decision, as the runtime estimates it).
func gcCPU() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64()
}

// cpuTime is this process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// machineCPU is the CPU time the whole machine has spent busy (Linux's
// /proc/stat: user, nice, system, irq, softirq, steal), 0 where there is
// none. Less the server's (this process) and the clients' (theirs), it is
// what PostgreSQL (and anything else running) spent.
func machineCPU() time.Duration {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks int64
	for _, i := range []int{1, 2, 3, 6, 7, 8} {
		n, _ := strconv.ParseInt(f[i], 10, 64)
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond // USER_HZ is 100 on Linux
}

// benchWindows is how many different windows the clients send in turn.
const benchWindows = 64

// benchBodies is n windows' bodies, each around its start and end times.
func benchBodies(n int) [][2][]byte {
	r := rand.New(rand.NewPCG(1, 2))
	out := make([][2][]byte, n)
	for i := range out {
		w := string(benchWindow(r))
		out[i] = [2][]byte{[]byte(w[:len(w)-1] + `,"window":{"start":"`), []byte(`"}}`)}
	}
	return out
}

// benchWindow is one window of 10 metrics x 60 points per side, log-normal
// around 100 with two decimals, as a latency in milliseconds would come.
func benchWindow(r *rand.Rand) []byte {
	side := func(mult float64) map[string][]float64 {
		out := map[string][]float64{}
		for i := range 10 {
			xs := make([]float64, 60)
			for j := range xs {
				xs[j] = math.Round(100*mult*math.Exp(0.25*r.NormFloat64())*100) / 100
			}
			out[fmt.Sprintf("m%d", i)] = xs
		}
		return out
	}
	b, _ := json.Marshal(map[string]any{"canary": side(1), "baseline": side(1)})
	return b
}

func put(b *testing.B, s stack, method, path, body string, want int) []byte {
	req, _ := http.NewRequest(method, s.srv.URL+path, bytes.NewBufferString(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		b.Fatalf("%s %s = %d: %s", method, path, resp.StatusCode, out)
	}
	return out
}

// pgbenchTPCB runs pgbench's TPC-B workload (8 clients, 15 s) against the
// same server.
func pgbenchTPCB(b *testing.B, url string) (float64, bool) {
	bin, err := exec.LookPath("pgbench")
	if err != nil {
		dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/pgbench")
		if len(dirs) == 0 {
			return 0, false
		}
		bin = dirs[len(dirs)-1]
	}
	if out, err := exec.Command(bin, "-i", "-q", "-s", "1", url).CombinedOutput(); err != nil {
		b.Logf("pgbench -i: %v: %s", err, out)
		return 0, false
	}
	out, err := exec.Command(bin, "-c", "8", "-j", "2", "-T", "15", url).CombinedOutput()
	if err != nil {
		b.Logf("pgbench: %v: %s", err, out)
		return 0, false
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, false
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps, true
}

// logDurability says whether the server the figures come from keeps
// PostgreSQL's durability defaults (scripts/bench-decisions.sh: yes; the
// tests' cluster: no).
func logDurability(b *testing.B, url string) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	var fsync, fpw, sync string
	if err := conn.QueryRow(ctx, "SELECT current_setting('fsync'), current_setting('full_page_writes'), current_setting('synchronous_commit')").Scan(&fsync, &fpw, &sync); err != nil {
		b.Fatal(err)
	}
	b.Logf("PostgreSQL: fsync=%s full_page_writes=%s synchronous_commit=%s", fsync, fpw, sync)
}

// decisionTables are the tables a decision writes to.
var decisionTables = []string{"analyses", "decisions", "audit_log", "releases", "release_evidence"}

// storedBytes is each decision table's size on disk: heap, TOAST and
// indexes, dead rows included (what a decision really costs the disk).
func storedBytes(b *testing.B, url string) map[string]int64 {
	return tableBytes(b, url, "SELECT pg_total_relation_size($1::regclass)")
}

// liveBytes is what each decision table keeps once vacuum has reclaimed
// the row versions that updates and deletes leave: the bytes of its live
// rows, in its heap and its TOAST table (pgstattuple), and its indexes'
// size. nil where pgstattuple cannot be had (it needs a superuser to
// install it, as the tests' own cluster has).
func liveBytes(b *testing.B, url string) map[string]int64 {
	return tableBytes(b, url, `SELECT (pgstattuple(c.oid)).tuple_len + pg_indexes_size(c.oid) +
			coalesce((SELECT (pgstattuple(c.reltoastrelid)).tuple_len WHERE c.reltoastrelid <> 0), 0)
		FROM pg_class c WHERE c.oid = $1::regclass`, "CREATE EXTENSION IF NOT EXISTS pgstattuple")
}

// tableBytes is query's figure for each decision table (its $1), after
// setup, if any, which may fail: then there is no figure (nil).
func tableBytes(b *testing.B, url, query string, setup ...string) map[string]int64 {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range setup {
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Logf("no figures from %.40q...: %v", query, err)
			return nil
		}
	}
	out := map[string]int64{}
	for _, t := range decisionTables {
		var n int64
		if err := conn.QueryRow(ctx, query, t).Scan(&n); err != nil {
			b.Fatal(err)
		}
		out[t] = n
	}
	return out
}

// reportBytes reports the bytes the timed decisions added, in all (as
// metric) and per table (logged after what): stored_B/decision, the files'
// growth, and live_B/decision, the part of it that is not reclaimable.
// Nothing when either figure is missing.
func reportBytes(b *testing.B, before, after map[string]int64, decisions int, metric, what string) {
	if before == nil || after == nil {
		return
	}
	var all int64
	var parts []string
	for _, t := range decisionTables {
		d := after[t] - before[t]
		all += d
		parts = append(parts, fmt.Sprintf("%s %.0f B", t, float64(d)/float64(decisions)))
	}
	b.ReportMetric(float64(all)/float64(decisions), metric)
	b.Logf("%s per decision: %s", what, strings.Join(parts, ", "))
}

func join(xs []string) string {
	var b bytes.Buffer
	for i, x := range xs {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(x)
	}
	return b.String()
}
