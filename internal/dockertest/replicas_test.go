package dockertest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// replica is one canaryjudge container and where the test reaches it.
type replica struct {
	name, url string
}

var client = &http.Client{Timeout: 30 * time.Second}

type reply struct {
	status     int
	body       []byte
	ctype      string
	retryAfter string
}

func send(t *testing.T, r replica, method, path, body string, hdr ...string) reply {
	t.Helper()
	req, err := http.NewRequest(method, r.url+path, bytes.NewReader([]byte(body)))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Errorf("%s %s %s: %v", r.name, method, path, err)
		return reply{}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, b, resp.Header.Get("Content-Type"), resp.Header.Get("Retry-After")}
}

func must(t *testing.T, got reply, want int, what string) reply {
	t.Helper()
	if got.status != want {
		t.Fatalf("%s: %d %s, want %d", what, got.status, got.body, want)
	}
	return got
}

// poll retries cond every 200 ms until it holds or the deadline passes.
func poll(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// erroringWindow: the canary's error ratio (0.2) is above the critical
// ceiling (0.05): the candidate decision is an automatic rollback.
func erroringWindow(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 1))
	c, b := make([]float64, 20), make([]float64, 20)
	for i := range c {
		c[i], b[i] = 0.2+r.Float64()/100, r.Float64()/1000
	}
	out, _ := json.Marshal(map[string]any{"canary": map[string]any{"error_ratio": c}, "baseline": map[string]any{"error_ratio": b}})
	return string(out)
}

const capPolicy = `{"metrics":[{"name":"error_ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05}],
  "windows":{"interval":"1m","min_windows":3,"min_bake":"5m"},
  "guards":{"rollback_cap":{"per_service":2,"fleet":1000,"window":"1h"},"rollback_timeout":"1h","migrations":"expand_only"},
  "notify":[{"kind":"webhook","url":"http://127.0.0.1:9/hook"}]}`

// stalePolicy: a release with no analysis for 10 s is escalated.
const stalePolicy = `{"metrics":[{"name":"error_ratio","group":"errors","direction":"increase"}],
  "windows":{"interval":"10s","stale_after":"10s"},
  "notify":[{"kind":"webhook","url":"http://127.0.0.1:9/hook"}]}`

// TestReplicaCutOffFromDatabase: two replicas serve one PostgreSQL; 30
// releases of one service fail at once with a cap of 2 automatic
// rollbacks while one replica is cut off from the database mid-run
// (`docker network disconnect`). The cut-off replica answers 503
// problem+json with Retry-After (callers retry on the other with the
// same Idempotency-Key); the cap still holds (2 rollbacks, 28
// escalations); stale releases are escalated by the sweepers of both;
// nothing is paged twice; once reconnected the replica answers again
// without a restart.
func TestReplicaCutOffFromDatabase(t *testing.T) {
	requireDocker(t)
	run := fmt.Sprintf("cjt%06d", time.Now().UnixNano()%1e6)
	db, front := run+"-db", run+"-front"
	pg, a, b := run+"-pg", "", ""
	const image = "canaryjudge:replicatest"
	t.Cleanup(func() { dkQuiet("rmi", image) }) // rebuilt every run: leave no dangling layers (runs last)
	removeOnCleanup(t, []string{db, front}, &a, &b, &pg)
	pgImage := Script(t, "scripts/pgimage.sh") // kept: built once per PostgreSQL version
	Script(t, "scripts/image.sh", image)
	dk(t, "network", "create", "--internal", db)
	dk(t, "network", "create", front)
	dk(t, "run", "-d", "--name", pg, "--network", db, pgImage)
	sql := "postgres://postgres@" + ipOn(t, pg, db) + ":5432/postgres?sslmode=disable&connect_timeout=2"
	poll(t, "PostgreSQL", time.Minute, func() bool {
		c, err := pgx.Connect(context.Background(), sql)
		if err == nil {
			c.Close(context.Background())
		}
		return err == nil
	})
	ra, rb := startReplica(t, run+"-a", image, pg, db, front, &a), startReplica(t, run+"-b", image, pg, db, front, &b)

	must(t, send(t, ra, "PUT", "/v1/services/pay/policy", capPolicy), 201, "policy pay")
	must(t, send(t, rb, "PUT", "/v1/services/quiet/policy", stalePolicy), 201, "policy quiet")
	ids := make([]string, 30)
	for i := range ids {
		r := must(t, send(t, rb, "POST", "/v1/releases", fmt.Sprintf(`{"service":"pay","target":"t%02d","version":"v2","baseline_version":"v1"}`, i)), 201, "create")
		var rel struct{ ID string }
		_ = json.Unmarshal(r.body, &rel)
		ids[i] = rel.ID
	}
	for i := range 6 {
		must(t, send(t, ra, "POST", "/v1/releases", fmt.Sprintf(`{"service":"quiet","target":"q%d","version":"v2","baseline_version":"v1"}`, i)), 201, "create quiet")
	}

	decisions := judgeAll(t, ra, rb, ids, func() {
		dk(t, "network", "disconnect", db, a) // mid-run: requests to A are in flight
	})
	r := send(t, ra, "GET", "/v1/releases/"+ids[0], "")
	if r.status != 503 || r.ctype != "application/problem+json" || r.retryAfter == "" {
		t.Fatalf("cut-off replica: %d %q Retry-After %q: %s; want 503 problem+json with Retry-After", r.status, r.ctype, r.retryAfter, r.body)
	}
	if r := send(t, ra, "GET", "/readyz", ""); r.status != 503 {
		t.Fatalf("cut-off replica's readyz: %d", r.status)
	}
	if decisions["rollback/critical_ceiling"] != 2 || decisions["escalate/rollback_cap"] != 28 || decisions["retried"] != 10 {
		t.Fatalf("decisions %v; want exactly 2 rollbacks and 28 rollback_cap escalations, the 10 sent to the cut-off replica retried", decisions)
	}
	t.Logf("decisions: %v", decisions)
	poll(t, "the stale releases to be escalated", time.Minute, func() bool {
		var page struct{ Releases []any }
		_ = json.Unmarshal(send(t, rb, "GET", "/v1/releases?service=quiet&state=halted", "").body, &page)
		return len(page.Releases) == 6
	})

	dk(t, "network", "connect", db, a)
	poll(t, "the reconnected replica to answer 200", time.Minute, func() bool {
		return send(t, ra, "GET", "/v1/releases/"+ids[0], "").status == 200
	})
	must(t, send(t, ra, "POST", "/v1/releases", `{"service":"pay","target":"after","version":"v3","baseline_version":"v2"}`), 201, "create on the reconnected replica")
	checkRows(t, sql)
}

func startReplica(t *testing.T, name, image, pg, db, front string, slot *string) replica {
	t.Helper()
	*slot = name
	dk(t, "create", "--name", name, "--network", front,
		"-e", "DATABASE_URL=postgres://postgres@"+pg+":5432/postgres?sslmode=disable&connect_timeout=2",
		image, "serve", "--auth", "off", "--sweep-interval", "1s", "--request-timeout", "3s", "--log-level", "warn")
	dk(t, "network", "connect", db, name)
	dk(t, "start", name)
	r := replica{name: name, url: "http://" + ipOn(t, name, front) + ":8080"}
	poll(t, name+" to be ready", time.Minute, func() bool {
		resp, err := client.Get(r.url + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	return r
}

// judgeAll sends one failing window per release, alternating replicas:
// a first wave with both replicas up; then B's share of the second wave
// is sent, cut runs while it is in flight, and A's share follows, cut
// off. A 503 is retried on B with the same Idempotency-Key, as a deploy
// tool would; counts["retried"] says how many were.
func judgeAll(t *testing.T, ra, rb replica, ids []string, cut func()) map[string]int {
	t.Helper()
	var (
		mu     sync.Mutex
		counts = map[string]int{}
		wg     sync.WaitGroup
	)
	one := func(i int) {
		key := []string{"Idempotency-Key", "window-1-" + ids[i]}
		r := send(t, []replica{ra, rb}[i%2], "POST", "/v1/releases/"+ids[i]+"/analyses", erroringWindow(uint64(i)), key...)
		if r.status == 503 {
			mu.Lock()
			counts["retried"]++
			mu.Unlock()
			if r.ctype != "application/problem+json" || r.retryAfter == "" {
				t.Errorf("503 without problem+json and Retry-After: %q %q", r.ctype, r.retryAfter)
			}
			r = send(t, rb, "POST", "/v1/releases/"+ids[i]+"/analyses", erroringWindow(uint64(i)), key...)
		}
		var o struct {
			Decision struct{ Action, Reason string }
		}
		if r.status != 200 || json.Unmarshal(r.body, &o) != nil {
			t.Errorf("analysis of %s: %d %s", ids[i], r.status, r.body)
			return
		}
		mu.Lock()
		counts[o.Decision.Action+"/"+o.Decision.Reason]++
		mu.Unlock()
	}
	for i := range 10 {
		wg.Go(func() { one(i) })
	}
	wg.Wait()
	for i := 11; i < len(ids); i += 2 {
		wg.Go(func() { one(i) })
	}
	cut()
	for i := 10; i < len(ids); i += 2 {
		wg.Go(func() { one(i) })
	}
	wg.Wait()
	return counts
}

// checkRows reads the database: the cap held, one analysis per release
// (retries were idempotent), every escalation paged once.
func checkRows(t *testing.T, url string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	for what, q := range map[string]struct {
		sql  string
		want int
	}{
		"automatic rollbacks":          {`SELECT count(*) FROM decisions WHERE automatic AND action = 'rollback'`, 2},
		"analyses":                     {`SELECT count(*) FROM analyses`, 30},
		"stale releases escalated":     {`SELECT count(*) FROM decisions WHERE reason = 'no_analysis'`, 6},
		"pages":                        {`SELECT count(*) FROM outbox WHERE kind = 'page'`, 28 + 6},
		"most pages for one release":   {`SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM outbox WHERE kind = 'page' GROUP BY release_id) x`, 1},
		"releases halted without page": {`SELECT count(*) FROM releases r WHERE state = 'halted' AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.release_id = r.id AND o.kind = 'page')`, 0},
	} {
		var n int
		if err := c.QueryRow(ctx, q.sql).Scan(&n); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if n != q.want {
			t.Errorf("%s: %d, want %d", what, n, q.want)
		}
	}
}
