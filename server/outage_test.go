package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// answer is one response seen during the outage test.
type answer struct {
	method, path string
	status       int
	contentType  string
	retryAfter   string
	action       string // the decision's action, for analyses
	phase        string
}

// TestPostgresStopsMidTraffic stops PostgreSQL (immediate shutdown, as
// `pg_ctl stop -m immediate`) while analyses, creates and reads are in
// flight on a server: every answer is a success or a 503 problem+json
// with Retry-After (never a 404 or 500), no decision promotes, no unit of
// work is left half-written, and once PostgreSQL is back the same server,
// never restarted, answers 200 again.
func TestPostgresStopsMidTraffic(t *testing.T) {
	cl := pgtest.NewCluster(t)
	st, err := postgres.Open(context.Background(), cl.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	s := newStack(t, st, nil) // the clock never moves: bake never completes, so promote is never right
	setupService(t, s, "shop", testPolicy(1000, ""))
	ids := make([]string, 4)
	for i := range ids {
		ids[i] = createRelease(t, s, "shop", fmt.Sprintf("base%d", i), "").ID
	}

	var (
		mu      sync.Mutex
		answers []answer
		phase   atomic.Value
		n       atomic.Int64
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	phase.Store("up")
	for w := range 6 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				a := outageRequest(t, s, ids, w, i)
				a.phase = phase.Load().(string)
				mu.Lock()
				answers = append(answers, a)
				mu.Unlock()
				n.Add(1)
			}
		})
	}
	waitFor(t, "traffic before the outage", func() bool { return n.Load() >= 60 })
	cl.Stop()
	phase.Store("down")
	before := n.Load()
	waitFor(t, "traffic during the outage", func() bool { return n.Load() >= before+60 })
	r := call(t, s.srv, "GET", "/readyz", nil)
	if r.StatusCode != 503 || r.Header.Get("Retry-After") == "" {
		t.Errorf("readyz while PostgreSQL is down = %d (Retry-After %q), want 503 with Retry-After", r.StatusCode, r.Header.Get("Retry-After"))
	}
	cl.Start(t)
	phase.Store("restarted")
	waitFor(t, "the same server to answer 200 again", func() bool {
		return call(t, s.srv, "GET", "/v1/releases/"+ids[0], nil).StatusCode == 200
	})
	phase.Store("up again")
	after := n.Load()
	waitFor(t, "traffic after the restart", func() bool { return n.Load() >= after+60 })
	close(stop)
	wg.Wait()
	checkOutageAnswers(t, answers)
	checkNoHalfUnits(t, st)
	mustStatus(t, call(t, s.srv, "POST", "/v1/releases/"+ids[1]+"/analyses", healthy(99)), 200)
}

// outageRequest sends one request of a mix that, with PostgreSQL up, can
// only succeed: healthy windows on baking releases (wait, never promote
// before the bake), creates on fresh targets, a freeze of another
// service, and every kind of read.
func outageRequest(t *testing.T, s stack, ids []string, w, i int) answer {
	id := ids[(w+i)%len(ids)]
	var method, path, body string
	switch i % 10 {
	case 0, 1, 2:
		method, path, body = "POST", "/v1/releases/"+id+"/analyses", healthy(uint64(w*1000+i))
	case 3:
		method, path, body = "POST", "/v1/releases", fmt.Sprintf(`{"service":"shop","target":"w%d-%d","version":"v2","baseline_version":"v1"}`, w, i)
	case 4:
		method, path, body = "PUT", "/v1/freezes/service:other", `{"reason":"drill"}`
	case 5:
		method, path = "GET", "/v1/releases/"+id
	case 6:
		method, path = "GET", "/v1/releases/"+id+"/decision"
	case 7:
		method, path = "GET", "/v1/releases?service=shop&limit=5"
	case 8:
		method, path = "GET", "/v1/releases/"+id+"/audit?limit=5"
	default:
		method, path = "GET", "/v1/services/shop/verdicts?limit=5"
	}
	req, _ := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Errorf("%s %s: %v", method, path, err)
		return answer{method: method, path: path}
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	validateResponse(t, req, resp, data)
	a := answer{method: method, path: path, status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"),
		retryAfter: resp.Header.Get("Retry-After")}
	var o struct {
		Decision struct{ Action string } `json:"decision"`
	}
	if resp.StatusCode == 200 && json.Unmarshal(data, &o) == nil {
		a.action = o.Decision.Action
	}
	return a
}

func checkOutageAnswers(t *testing.T, answers []answer) {
	t.Helper()
	by := map[string]map[int]int{}
	for _, a := range answers {
		if by[a.phase] == nil {
			by[a.phase] = map[int]int{}
		}
		by[a.phase][a.status]++
		switch {
		case a.status == 503 && (a.contentType != "application/problem+json" || a.retryAfter == ""):
			t.Errorf("%s %s: 503 with Content-Type %q and Retry-After %q", a.method, a.path, a.contentType, a.retryAfter)
		case a.status != 200 && a.status != 201 && a.status != 503:
			t.Errorf("%s %s (%s): status %d; want a success or 503", a.method, a.path, a.phase, a.status)
		case a.action == "promote":
			t.Errorf("%s %s (%s): decided promote", a.method, a.path, a.phase)
		}
	}
	t.Logf("answers by phase and status: %v", by)
	if by["down"][503] < 50 || by["up"][200]+by["up"][201] == 0 || by["up again"][200]+by["up again"][201] < 50 {
		t.Errorf("the test did not exercise all phases: %v", by)
	}
}

// checkNoHalfUnits: every analysis has its decision and audit entry, every
// decision its audit entry; a unit of work cut by the outage left nothing.
func checkNoHalfUnits(t *testing.T, st *postgres.Store) {
	t.Helper()
	pool := st.Pool()
	for what, q := range map[string]string{
		"analyses without a decision":     `SELECT count(*) FROM analyses a WHERE NOT EXISTS (SELECT 1 FROM decisions d WHERE d.analysis_id = a.id)`,
		"decisions without an audit":      `SELECT (SELECT count(*) FROM decisions) - (SELECT count(*) FROM audit_log WHERE action = 'analysis')`,
		"releases without a create audit": `SELECT count(*) FROM releases r WHERE NOT EXISTS (SELECT 1 FROM audit_log e WHERE e.release_id = r.id AND e.action = 'release:create')`,
	} {
		if n := count(t, pool, q); n != 0 {
			t.Errorf("%s: %d", what, n)
		}
	}
}

// waitFor polls cond until it holds, failing after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
