package sourcetest

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// Harness is what a backend gives the suite.
type Harness struct {
	// Type is the backend's source type (e.g. "datadog") and Backend its
	// implementation; the suite validates and opens every source through
	// it, as the server does.
	Type    string
	Backend source.Backend
	// Start serves d: a real server loaded with it, or a fixture server
	// answering from it. It returns the base URL (stopped when t ends).
	Start func(t testing.TB, d promtest.Data) string
	// Config is a source document for the options.
	Config func(o Options) json.RawMessage
	// Authorized reports whether a request carries the good credentials;
	// Refuse answers one that does not, and RateLimit one that must slow
	// down (reset: how long its headers say to wait), each as the backend
	// does.
	Authorized func(r *http.Request) bool
	Refuse     func(w http.ResponseWriter)
	RateLimit  func(w http.ResponseWriter, reset time.Duration)
	// RateLimitNoReset says the backend's rate-limit answer carries no
	// reset time (CloudWatch's Throttling): the source backs off by its
	// configured backoff instead.
	RateLimitNoReset bool
	// PolicyFile is the example policy in this backend's query language
	// (errors and checkout_success counts, latency_p99, cpu).
	PolicyFile string
	// Instances are per-instance metrics (instance_label pod): a count
	// and a plain one.
	Instances []judge.Metric
	// Several is a query that gives several series for one side; NonFinite
	// one whose answer holds +Inf or -Inf (or numbers beyond float64).
	Several, NonFinite string
	// NonFiniteFails says the backend cannot send non-finite values at all
	// and fails the query instead, and why ("" when it sends them).
	NonFiniteFails string
	// Refuses reports the scope values the language cannot express
	// exactly: the source must refuse them rather than splice them (nil:
	// every value must read back exactly).
	Refuses func(value string) bool
}

// Options are what a scenario asks of a source document.
type Options struct {
	URL         string
	BadAuth     bool // credentials the backend refuses
	Timeout     time.Duration
	Backoff     time.Duration
	Retries     int
	Concurrency int
}

// Policy reads the harness's example policy.
func (h *Harness) Policy(t testing.TB) judge.Policy {
	t.Helper()
	b, err := os.ReadFile(h.PolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policyfile.Parse(b)
	if err != nil {
		t.Fatalf("%s: %v", h.PolicyFile, err)
	}
	if err := h.Backend.CheckMetrics(p.Metrics); err != nil {
		t.Fatalf("%s: the backend refuses the example policy: %v", h.PolicyFile, err)
	}
	return p
}

// env is one run of the suite: the backend behind the proxy.
type env struct {
	h        *Harness
	p        *proxy
	t0       time.Time
	policy   judge.Policy
	from, to time.Time
}

// Run runs every scenario against the backend. Each scenario makes the
// same assertions for every backend.
func Run(t *testing.T, h Harness) {
	t0 := T0()
	url := h.Start(t, Dataset(t0))
	e := &env{h: &h, t0: t0, policy: h.Policy(t)}
	e.from, e.to = Window(t0)
	e.p = newProxy(t, e.h, url)
	for _, sc := range []struct {
		name string
		run  func(t *testing.T, e *env)
	}{
		{"healthy", healthy}, {"regression", regression}, {"empty", empty}, {"partial", partial},
		{"instances", instances}, {"several_series", several}, {"non_finite", nonFinite},
		{"timeout", timeout}, {"rate_limited", rateLimited}, {"auth_failure", authFailure},
		{"hostile_scope", hostile},
	} {
		t.Run(sc.name, func(t *testing.T) {
			e.p.set(modePass, 0)
			sc.run(t, e)
		})
	}
}

// open validates and opens a source through the backend, as the server
// does.
func (e *env) open(t *testing.T, o Options) source.Source {
	t.Helper()
	o.URL = e.p.srv.URL
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Backoff == 0 {
		o.Backoff = 10 * time.Millisecond
	}
	if o.Concurrency == 0 {
		o.Concurrency = 4
	}
	raw, err := e.h.Backend.Validate(e.h.Config(o), nil)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	src, err := e.h.Backend.Open("src", raw)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return src
}

// request is the suite's window for the canary of app canaryApp (track
// canary) against the healthy baseline.
func (e *env) request(ms []judge.Metric, canary source.Scope) source.Request {
	return source.Request{Metrics: ms, Canary: canary, Baseline: source.Scope{"app": AppHealthy, "track": "baseline"},
		Start: e.from, End: e.to}
}

func scope(app, track string) source.Scope { return source.Scope{"app": app, "track": track} }

func (e *env) fetch(t *testing.T, src source.Source, req source.Request) (source.Result, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return src.Fetch(ctx, req)
}

// wantPoints is how many points a full series has in the suite's window.
const wantPoints = 20
