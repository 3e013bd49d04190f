package server_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

func TestMain(m *testing.M) {
	if cfg := os.Getenv(benchClientEnv); cfg != "" { // the benchmarks' client process
		os.Exit(runBenchClients(cfg))
	}
	pgtest.Main(m)
}

// newServer runs the real router over real HTTP on st (memory when nil).
func newServer(t *testing.T, st store.Full) *httptest.Server {
	t.Helper()
	if st == nil {
		st = memory.New()
	}
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI, MaxBodyBytes: 64 << 10},
		server.Deps{Store: st, Registry: prometheus.NewRegistry()})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func problemOf(t *testing.T, r apiResponse) server.Problem {
	t.Helper()
	var p server.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("body is not a problem: %v: %s", err, r.Body)
	}
	if p.Status != r.StatusCode || p.Type == "" || p.Title == "" {
		t.Fatalf("problem %+v does not match status %d", p, r.StatusCode)
	}
	return p
}

func TestHealthAndReady(t *testing.T) {
	srv := newServer(t, nil)
	if r := call(t, srv, "GET", "/healthz", nil); r.StatusCode != 200 {
		t.Fatalf("healthz = %d", r.StatusCode)
	}
	r := call(t, srv, "GET", "/readyz", nil)
	if r.StatusCode != 200 || !strings.Contains(string(r.Body), `"backend":"memory"`) {
		t.Fatalf("readyz = %d %s", r.StatusCode, r.Body)
	}
	if r := call(t, srv, "GET", "/openapi.yaml", nil); r.StatusCode != 200 || !strings.HasPrefix(string(r.Body), "openapi: 3") {
		t.Fatalf("openapi.yaml = %d", r.StatusCode)
	}
}

func TestReadyzOnPostgres(t *testing.T) {
	t.Parallel()
	srv := newServer(t, pgtest.Open(t))
	if r := call(t, srv, "GET", "/readyz", nil); r.StatusCode != 200 || !strings.Contains(string(r.Body), `"backend":"postgres"`) {
		t.Fatalf("readyz on migrated database = %d %s", r.StatusCode, r.Body)
	}
	// An unmigrated database is reachable but not ready, and says why.
	st, err := postgres.Open(t.Context(), pgtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	r := call(t, newServer(t, st), "GET", "/readyz", nil)
	if p := problemOf(t, r); r.StatusCode != 503 || !strings.Contains(p.Detail, "pending") {
		t.Fatalf("readyz on empty database = %d %+v", r.StatusCode, p)
	}
}

func TestMetricsAfterRequest(t *testing.T) {
	srv := newServer(t, nil)
	call(t, srv, "GET", "/healthz", nil)
	call(t, srv, "GET", "/nope", nil)
	r := call(t, srv, "GET", "/metrics", nil)
	body := string(r.Body)
	for _, want := range []string{
		`canaryjudge_http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 1`,
		`canaryjudge_http_request_duration_seconds_count{code="404",method="GET",route="unmatched"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestBadRequestsAreProblems(t *testing.T) {
	srv := newServer(t, nil)
	big := `{"mode":"` + strings.Repeat("x", 70<<10) + `"}`
	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown route", "GET", "/v1/nothing", "", 404, ""},
		{"wrong method", "DELETE", "/healthz", "", 405, ""},
		{"oversized body", "PUT", "/v1/services/api/policy", big, 413, ""},
		{"malformed JSON", "PUT", "/v1/services/api/policy", `{"mode":`, 400, "body"},
		{"empty body", "PUT", "/v1/services/api/policy", ``, 400, "body"},
		{"malformed JSON release", "POST", "/v1/releases", `{"service":`, 400, "body"},
		{"bad service name", "GET", "/v1/services/Bad%20Name/policy", "", 400, "service"},
		{"unknown service", "GET", "/v1/services/ghost/policy", "", 404, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.body != "" || c.method != "GET" {
				body = c.body
			}
			r := call(t, srv, c.method, c.path, body)
			if r.StatusCode != c.status {
				t.Fatalf("status = %d, want %d: %s", r.StatusCode, c.status, r.Body)
			}
			p := problemOf(t, r)
			if c.field != "" && (len(p.Errors) == 0 || p.Errors[0].Field != c.field) {
				t.Fatalf("errors = %+v, want field %q", p.Errors, c.field)
			}
			if p.RequestID == "" || r.Header.Get("X-Request-ID") != p.RequestID {
				t.Fatalf("request id missing or mismatched: %q vs %q", p.RequestID, r.Header.Get("X-Request-ID"))
			}
		})
	}
}

func TestRequestIDEchoed(t *testing.T) {
	srv := newServer(t, nil)
	if r := call(t, srv, "GET", "/healthz", nil, "X-Request-ID", "deploy-42"); r.Header.Get("X-Request-ID") != "deploy-42" {
		t.Fatalf("X-Request-ID = %q", r.Header.Get("X-Request-ID"))
	}
}

func TestWrongContentType(t *testing.T) {
	srv := newServer(t, nil)
	r := call(t, srv, "PUT", "/v1/services/api/policy", "a=b", "Content-Type", "application/x-www-form-urlencoded")
	if r.StatusCode != http.StatusUnsupportedMediaType {
		t.Fatalf("status = %d", r.StatusCode)
	}
	problemOf(t, r)
}
