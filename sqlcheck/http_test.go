package sqlcheck

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// The parser's isolation and limits over real HTTP, through both routes
// that classify SQL (POST /v1/migrations/check, POST /v1/releases), on
// both stores, every response checked against openapi.yaml.

type apiServer struct {
	srv     *httptest.Server
	targets atomic.Int64 // a fresh target per release: one active release per target
}

const httpPolicy = `{"metrics":[{"name":"error_ratio","kind":"ratio","group":"errors","direction":"increase",
 "effect_size":{"measure":"mean_diff","allowed_increase":0.002}}],"groups":{"errors":100},
 "windows":{"interval":"5m","min_windows":3,"min_bake":"10m","consecutive_failures":2,"consecutive_nodata":3,"max_windows":1000},
 "guards":{"rollback_cap":{"per_service":5,"fleet":1000,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}}`

func newAPIServer(t testing.TB, st store.Full, cl engine.MigrationClassifier) *apiServer {
	t.Helper()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: prometheus.NewRegistry(), Classifier: cl})
	s := &apiServer{srv: httptest.NewServer(h)}
	t.Cleanup(s.srv.Close)
	if r := s.do(t, "PUT", "/v1/services/svc/policy", httpPolicy); r.status != 201 {
		t.Fatalf("policy: %d %s", r.status, r.body)
	}
	return s
}

type apiAnswer struct {
	status int
	body   []byte
	json   map[string]any
}

func (s *apiServer) do(t testing.TB, method, path, body string) apiAnswer {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkContract(t, req, resp, b)
	a := apiAnswer{status: resp.StatusCode, body: b}
	_ = json.Unmarshal(b, &a.json)
	return a
}

// check sends one migration to POST /v1/migrations/check.
func (s *apiServer) check(t testing.TB, sql string) apiAnswer {
	b, _ := json.Marshal(map[string]string{"sql": sql})
	return s.do(t, "POST", "/v1/migrations/check", string(b))
}

// release creates a release whose second migration carries sql.
func (s *apiServer) release(t testing.TB, sql string) apiAnswer {
	b, _ := json.Marshal(map[string]any{"service": "svc", "target": "t" + itoa(int(s.targets.Add(1))), "version": "v2",
		"baseline_version": "v1", "migrations": []map[string]string{{"id": "0001", "compat": "expand"}, {"id": "0002", "sql": sql}}})
	return s.do(t, "POST", "/v1/releases", string(b))
}

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

// checkContract validates a response against openapi.yaml.
func checkContract(t testing.TB, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	contractOnce.Do(func() {
		doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
		if err == nil {
			doc.Servers = nil
			contractRouter, err = gorillamux.NewRouter(doc)
		}
		contractErr = err
	})
	if contractErr != nil {
		t.Fatal(contractErr)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("%d without problem+json: %s", resp.StatusCode, body)
	}
	u, _ := url.Parse(req.URL.String())
	vreq := &http.Request{Method: req.Method, URL: u, Header: req.Header, Host: u.Host}
	route, params, err := contractRouter.FindRoute(vreq)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\n%.500s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

func bothStores(t *testing.T, f func(t *testing.T, st store.Full)) {
	t.Run("memory", func(t *testing.T) { f(t, memory.New()) })
	t.Run("postgres", func(t *testing.T) { f(t, pgtest.Open(t)) })
}

// wantLimit asserts a 422 sql-too-complex naming field and limit.
func wantLimit(t testing.TB, a apiAnswer, field, limit string) {
	t.Helper()
	errs, _ := a.json["errors"].([]any)
	lim, _ := a.json["limit"].(map[string]any)
	if a.status != 422 || a.json["type"] != "urn:canaryjudge:problem:sql-too-complex" || len(errs) != 1 ||
		errs[0].(map[string]any)["field"] != field || lim["name"] != limit {
		t.Fatalf("want 422 %s on %s, got %d %s", limit, field, a.status, a.body)
	}
}

// TestLimitsOverHTTP: SQL over the parser's limits is refused with 422
// naming the field and the limit on both routes and both stores, and the
// refused release writes nothing.
func TestLimitsOverHTTP(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		s := newAPIServer(t, st, testPool(t, 0, nil, PoolOptions{Size: 2}))
		deep := "SELECT 1" + strings.Repeat("+1", 30000)
		wantLimit(t, s.check(t, deep), "sql", "expression_depth")
		wantLimit(t, s.check(t, strings.Repeat("SELECT 1;", 5001)), "sql", "statements")
		wantLimit(t, s.check(t, "SELECT "+strings.Repeat("(", 300)+"1"+strings.Repeat(")", 300)), "sql", "expression_depth")
		wantLimit(t, s.check(t, "SELECT CASE"+strings.Repeat(" WHEN x THEN CASE", 300)+" WHEN y THEN 1"+strings.Repeat(" END END", 150)), "sql", "expression_depth")
		wantLimit(t, s.release(t, deep), "migrations[1].sql", "expression_depth")
		if r := s.do(t, "GET", "/v1/releases?service=svc", ""); r.status != 200 || len(r.json["releases"].([]any)) != 0 {
			t.Fatalf("a refused release left rows: %s", r.body)
		}
		if r := s.check(t, "SELECT 1 WHERE x IN ("+strings.Repeat("1,", 20000)+"1)"); r.status != 200 || r.json["class"] != "expand" {
			t.Fatalf("a long IN list: %d %s", r.status, r.body)
		}
		if r := s.release(t, "ALTER TABLE t RENAME COLUMN a TO b;"); r.status != 201 {
			t.Fatalf("a normal release: %d %s", r.status, r.body)
		}
	})
}

// TestParserFaultOverHTTP: with every limit off, SQL that kills
// PostgreSQL's parser (SIGSEGV, in a worker process under a 2 MiB stack)
// gets class unknown / parser-fault on both routes; the server (this
// test process) keeps serving, and the release's migration blocks an
// automatic rollback.
func TestParserFaultOverHTTP(t *testing.T) {
	bothStores(t, func(t *testing.T, st store.Full) {
		var stderr syncBuffer
		s := newAPIServer(t, st, testPool(t, 2048, &Limits{}, PoolOptions{Size: 2, Stderr: &stderr}))
		r := s.check(t, crashSQL)
		if r.status != 200 || r.json["class"] != "unknown" || !strings.Contains(string(r.body), `"rule":"parser-fault"`) {
			t.Fatalf("check: %d %.500s", r.status, r.body)
		}
		r = s.release(t, crashSQL)
		if r.status != 201 || !strings.Contains(string(r.body), `"classified":"unknown"`) || !strings.Contains(string(r.body), "parser-fault") {
			t.Fatalf("release: %d %.800s", r.status, r.body)
		}
		if r := s.check(t, "DROP TABLE t;"); r.status != 200 || r.json["class"] != "contract" {
			t.Fatalf("after the faults: %d %s", r.status, r.body)
		}
		if n := strings.Count(stderr.String(), "SIGSEGV"); n < 2 {
			t.Fatalf("%d worker(s) died of SIGSEGV, want 2", n)
		}
	})
}
