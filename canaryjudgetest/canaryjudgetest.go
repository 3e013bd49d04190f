// Package canaryjudgetest runs a real canaryjudge inside another team's
// tests: NewServer starts the full HTTP API (the same router, engine,
// migration classifier, guards and scheduled-run workers, with the
// prometheus source backend, as `canaryjudge serve`) in process on
// the embedded memory store, with no Docker and no database. Each server
// is its own: its own store, metrics registry and clock.
//
// For a test that wants the container image instead (PostgreSQL, the
// binary as deployed), see the separate module canaryjudgetest/tc.
package canaryjudgetest

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/source"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// Server is an in-process canaryjudge. URL is its base address
// ("http://127.0.0.1:PORT"); the API is under URL+"/v1".
type Server struct {
	URL     string
	Handler *server.Server
	token   string
	// noContract turns off checking every exchange against openapi.yaml.
	noContract bool
	violations *violations // found by the in-process server; nil for Remote
}

// Option configures NewServer.
type Option func(*options)

type options struct {
	now        func() time.Time
	adminToken string
	source     kayentaapi.Source
	logger     *slog.Logger
	noContract bool
}

// WithoutContract stops the server from checking every request it
// accepts and every response it gives against openapi.yaml, whoever the
// client (on by default: a mismatch fails the test, as it would surprise
// a client generated from the contract).
func WithoutContract() Option { return func(o *options) { o.noContract = true } }

// WithKayentaSource gives the Kayenta-compatible API (/kayenta/...) the
// source its executions fetch series from (e.g. a StaticSource). Without
// it they fetch from the metric sources configured on the server
// (PUT /v1/sources/{name}, type prometheus), named by metricsAccountName.
func WithKayentaSource(src kayentaapi.Source) Option { return func(o *options) { o.source = src } }

// WithLogger sends the server's logs (access log, decisions) to l.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock makes the server read time from now (policies' min_bake and
// rollback timeouts are measured against it), so a test can move time on
// instead of waiting.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithAdminToken turns authentication on, as in production: every /v1
// request then needs "Authorization: Bearer "+token (at least 32
// characters), and Server.Do sends it.
func WithAdminToken(token string) Option { return func(o *options) { o.adminToken = token } }

// NewServer starts a canaryjudge for t and stops it when t ends.
func NewServer(t testing.TB, opts ...Option) *Server {
	t.Helper()
	o := options{now: time.Now}
	for _, f := range opts {
		f(&o)
	}
	cfg := server.Config{OpenAPI: canaryjudge.OpenAPI, Version: "canaryjudgetest"}
	if o.adminToken != "" {
		if len(o.adminToken) < server.MinAdminTokenLength {
			t.Fatalf("canaryjudgetest: the admin token must be at least %d characters", server.MinAdminTokenLength)
		}
		cfg.Auth, cfg.AdminTokenHash = true, server.HashToken(o.adminToken)
	}
	st := memory.New()
	backends := map[string]source.Backend{"prometheus": promsrc.Backend{}}
	h := server.New(cfg, server.Deps{Store: st, Registry: prometheus.NewRegistry(), Now: o.now,
		Classifier: sqlcheck.Classifier{}, KayentaSource: o.source, Logger: o.logger, Backends: backends})
	stopRuns := startRuns(h, st, o, backends)
	v := &violations{}
	var handler http.Handler = h
	if !o.noContract {
		handler = contractChecked(v, h)
	}
	hs := httptest.NewServer(handler)
	t.Cleanup(func() {
		stopRuns()
		hs.Close()
		st.Close()
		for _, msg := range v.take() {
			t.Error(msg)
		}
	})
	return &Server{URL: hs.URL, Handler: h, token: o.adminToken, noContract: o.noContract, violations: v}
}

// startRuns runs scheduled runs' workers, as `canaryjudge serve` does,
// polling every 20 ms, until the returned stop is called.
func startRuns(h *server.Server, st *memory.Store, o options, backends map[string]source.Backend) (stop func()) {
	return runner.New(st, h.Engine(), runner.Options{Workers: 4, Poll: 20 * time.Millisecond, Now: o.now, Logger: o.logger,
		Registry: prometheus.NewRegistry(), Backends: backends}).Start()
}
