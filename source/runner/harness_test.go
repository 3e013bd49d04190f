package runner_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/metricstest"
	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/source"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var backends = map[string]source.Backend{"prometheus": promsrc.Backend{}, "fake": fakeBackend{}}

// stack is one replica: the HTTP API and a runner over one store, on one
// registry.
type stack struct {
	srv *httptest.Server
	h   *server.Server
	reg *prometheus.Registry
	st  store.Full
	// regUsed: a runner registered its metrics on reg already.
	regUsed bool
}

func newStack(t testing.TB, st store.Full) *stack {
	t.Helper()
	reg := prometheus.NewRegistry()
	h := server.New(server.Config{OpenAPI: canaryjudge.OpenAPI}, server.Deps{Store: st, Registry: reg, Backends: backends})
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return &stack{srv: srv, h: h, reg: reg, st: st}
}

// runner returns a runner of this replica (not started).
func (s *stack) runner(o runner.Options) *runner.Runner {
	// The replica's registry goes to its first runner; other workers of
	// a test (playing other replicas) get their own.
	o.Backends, o.Registry = backends, s.reg
	if s.regUsed {
		o.Registry = prometheus.NewRegistry()
	}
	s.regUsed = true
	if o.Poll == 0 {
		o.Poll = 20 * time.Millisecond
	}
	return runner.New(s.st, s.h.Engine(), o)
}

// start runs a runner until the test ends.
func (s *stack) start(t testing.TB, o runner.Options) {
	t.Cleanup(s.runner(o).Start())
}

func stores(t *testing.T) map[string]func(t *testing.T) store.Full {
	return map[string]func(t *testing.T) store.Full{
		"memory":   func(t *testing.T) store.Full { return memory.New() },
		"postgres": func(t *testing.T) store.Full { return pgtest.Open(t) },
	}
}

// do sends a request and decodes a JSON answer into out (when not nil).
func (s *stack) do(t testing.TB, method, path, ctype string, body []byte, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, path, resp.StatusCode, b, err)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp
}

func (s *stack) mustDo(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	b, ctype := []byte(nil), "application/json"
	switch v := body.(type) {
	case nil:
	case []byte:
		b, ctype = v, "application/yaml"
	default:
		b, _ = json.Marshal(v)
	}
	resp := s.do(t, method, path, ctype, b, nil)
	raw, _ := io.ReadAll(resp.Body)
	if (want < 0 && resp.StatusCode/100 != 2) || (want >= 0 && resp.StatusCode != want) {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, raw, want)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatal(err)
		}
	}
}

// release sets the example policy on service, a source named prom at url,
// and creates a baking release; it returns the release id.
func (s *stack) release(t testing.TB, service, url string) string {
	t.Helper()
	return s.releaseWith(t, service, url, "../prometheus/testdata/policy.yaml")
}

// releaseWith is release with the policy file at path.
func (s *stack) releaseWith(t testing.TB, service, url, path string) string {
	t.Helper()
	pol, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s.mustDo(t, "PUT", "/v1/services/"+service+"/policy", pol, -1, nil)
	s.mustDo(t, "PUT", "/v1/sources/prom", map[string]any{"type": "prometheus",
		"config": map[string]any{"url": url, "step": "15s", "timeout": "2s", "retries": 1, "backoff": "10ms"}}, -1, nil)
	var rel struct{ ID string }
	s.mustDo(t, "POST", "/v1/releases", map[string]any{"service": service, "target": "eu", "version": "v2", "baseline_version": "v1"}, 201, &rel)
	return rel.ID
}

// runView is the part of GET /v1/runs/{id} the tests read.
type runView struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Reason   string `json:"reason"`
	Progress string `json:"progress"`
	Windows  struct{ Done, Total int }
	Decision *struct {
		Action, Reason string
	}
}

// await polls a run until it is no longer RUNNING (deadline 60 s).
func (s *stack) await(t testing.TB, runID string) runView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v runView
		s.mustDo(t, "GET", "/v1/runs/"+runID, nil, 200, &v)
		if v.Status != "RUNNING" {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("run %s still RUNNING after 60 s: %s", runID, v.Progress)
		}
		time.Sleep(20 * time.Millisecond) // polling a real condition, with a deadline
	}
}

// counter sums metric name over the series with labels (metricstest.Sum).
func counter(t testing.TB, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	return metricstest.Sum(t, reg, name, labels...)
}
