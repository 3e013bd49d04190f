package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

// BenchmarkDecisionPath measures POST /v1/releases/{id}/analyses with 10
// metrics x 60 points per side, through real HTTP, on real PostgreSQL:
// judging, proposing, guards, and the analysis/decision/audit writes in one
// transaction. It reports requests/s and p99 latency, and, when pgbench is
// installed, `pgbench -S` on the same server for scale.
//
//	go test -run '^$' -bench DecisionPath -benchtime 2000x ./server/
func BenchmarkDecisionPath(b *testing.B) {
	url := pgtest.URL(b)
	s := newStack(b, openPG(b, url), nil)
	metrics := make([]string, 10)
	for i := range metrics {
		metrics[i] = fmt.Sprintf(`{"name":"m%d","group":"g%d","direction":"increase"}`, i, i%3)
	}
	policy := `{"metrics":[` + join(metrics) + `],"windows":{"interval":"1m","min_windows":1000,"min_bake":"24h"}}`
	put(b, s, "PUT", "/v1/services/bench/policy", policy, 201)
	body := benchWindow()
	var next atomic.Int64
	var mu sync.Mutex
	var lat []time.Duration
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		id := releaseFor(b, s, next.Add(1))
		var mine []time.Duration
		for pb.Next() {
			t0 := time.Now()
			resp, err := client.Post(s.srv.URL+"/v1/releases/"+id+"/analyses", "application/json", bytes.NewReader(body))
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Errorf("status %d", resp.StatusCode)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		lat = append(lat, mine...)
		mu.Unlock()
	})
	elapsed := time.Since(start)
	b.StopTimer()
	if len(lat) > 0 {
		slices.Sort(lat)
		b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "req/s")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99_ms")
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50_ms")
	}
	if tps, ok := pgbenchS(b, url); ok {
		b.ReportMetric(tps, "pgbench_S_tps")
	}
}

func benchWindow() []byte {
	r := rand.New(rand.NewPCG(1, 2))
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

func releaseFor(b *testing.B, s stack, n int64) string {
	resp := put(b, s, "POST", "/v1/releases", fmt.Sprintf(`{"service":"bench","target":"t%d","version":"v2","baseline_version":"v1"}`, n), 201)
	var rel struct{ ID string }
	_ = json.Unmarshal(resp, &rel)
	return rel.ID
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

// pgbenchS runs pgbench's select-only workload against the same server.
func pgbenchS(b *testing.B, url string) (float64, bool) {
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
	out, err := exec.Command(bin, "-S", "-c", "4", "-j", "2", "-T", "5", url).CombinedOutput()
	if err != nil {
		b.Logf("pgbench -S: %v: %s", err, out)
		return 0, false
	}
	m := regexp.MustCompile(`tps = ([0-9.]+)`).FindSubmatch(out)
	if m == nil {
		return 0, false
	}
	tps, _ := strconv.ParseFloat(string(m[1]), 64)
	return tps, true
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
