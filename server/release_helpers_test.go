package server_test

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
)

func newClock() *testclock.Clock { return testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)) }

// stack is one server (of possibly several) over a store, with its clock.
type stack struct {
	srv   *httptest.Server
	h     *server.Server
	clock *testclock.Clock
}

func newStack(t testing.TB, st store.Full, c *testclock.Clock) stack {
	t.Helper()
	if c == nil {
		c = newClock()
	}
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry(), Now: c.Now})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return stack{srv: srv, h: h, clock: c}
}

// testPolicy: two metrics, one critical with a ceiling; bake needs three
// windows and no wall time so tests control everything with the clock.
func testPolicy(capPerService int, extra string) string {
	return `{"metrics":[
	  {"name":"latency_p99","group":"latency","direction":"increase","effect_size":{"measure":"mean_ratio","allowed_increase":1.1}},
	  {"name":"error_ratio","kind":"ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05,
	   "effect_size":{"measure":"mean_diff","allowed_increase":0.002}}],
	 "groups":{"latency":70,"errors":30},
	 "windows":{"interval":"5m","min_windows":3,"min_bake":"10m","consecutive_failures":2,"consecutive_nodata":3,"max_windows":1000},
	 "guards":{"rollback_cap":{"per_service":` + fmt.Sprint(capPerService) + `,"fleet":1000,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}` + extra + `}`
}

// window builds one analysis body: latency lognormal around base ms times
// factor on the canary, error ratios mostly zero with canary errors at errs.
func window(seed uint64, factor, errs float64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	series := func(mult float64) []float64 {
		out := make([]float64, 30)
		for i := range out {
			out[i] = math.Round(120*mult*math.Exp(0.2*r.NormFloat64())*100) / 100
		}
		return out
	}
	errSeries := func(level float64) []float64 {
		out := make([]float64, 30)
		for i := range out {
			if r.Float64() < 0.2 {
				out[i] = 0.001
			}
			out[i] += level
		}
		return out
	}
	b, _ := json.Marshal(map[string]any{
		"canary":   map[string][]float64{"latency_p99": series(factor), "error_ratio": errSeries(errs)},
		"baseline": map[string][]float64{"latency_p99": series(1), "error_ratio": errSeries(0)},
	})
	return string(b)
}

var (
	healthy  = func(seed uint64) string { return window(seed, 1, 0) }
	slow     = func(seed uint64) string { return window(seed, 2, 0) }
	erroring = func(seed uint64) string { return window(seed, 1, 0.2) }
)

type outcome struct {
	Release  store.Release `json:"release"`
	Decision struct {
		Action     string         `json:"action"`
		Reason     string         `json:"reason"`
		State      string         `json:"state"`
		RollbackTo string         `json:"rollback_to"`
		Message    string         `json:"message"`
		Evidence   map[string]any `json:"evidence"`
	} `json:"decision"`
	Duplicate bool `json:"duplicate"`
}

func decode[T any](t *testing.T, r apiResponse) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("decode %T: %v: %s", v, err, r.Body)
	}
	return v
}

func mustStatus(t *testing.T, r apiResponse, want int) {
	t.Helper()
	if r.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", r.Request.Method, r.Request.URL.Path, r.StatusCode, want, r.Body)
	}
}

func setupService(t *testing.T, s stack, svc, policy string) {
	t.Helper()
	mustStatus(t, call(t, s.srv, "PUT", "/v1/services/"+svc+"/policy", policy), 201)
}

func createRelease(t *testing.T, s stack, svc, target string, migrations string) store.Release {
	t.Helper()
	if migrations == "" {
		migrations = "[]"
	}
	r := call(t, s.srv, "POST", "/v1/releases", fmt.Sprintf(`{"service":%q,"target":%q,"version":"v2","baseline_version":"v1","migrations":%s}`, svc, target, migrations))
	mustStatus(t, r, 201)
	return decode[store.Release](t, r)
}

func analyze(t *testing.T, s stack, id, body string) outcome {
	t.Helper()
	r := call(t, s.srv, "POST", "/v1/releases/"+id+"/analyses", body)
	mustStatus(t, r, 200)
	return decode[outcome](t, r)
}
