// Package server is canaryjudge's HTTP API: a chi router, one error funnel
// answering RFC 9457 problem+json, strict JSON decoding with body limits,
// request IDs, access logs and request metrics on an injected registry.
package server

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// DefaultMaxBodyBytes is the request body limit when Config sets none.
const DefaultMaxBodyBytes = 1 << 20

// DefaultRequestTimeout bounds an API request's work when Config sets none.
const DefaultRequestTimeout = 15 * time.Second

// Config holds the server's settings.
type Config struct {
	MaxBodyBytes int64 // request body limit; 0 means DefaultMaxBodyBytes
	// RequestTimeout bounds each API request's work, store calls included;
	// past it the answer is 503. 0 means DefaultRequestTimeout.
	RequestTimeout time.Duration
	OpenAPI        []byte // the contract served at /openapi.yaml
	Version        string
	// Auth turns bearer-token authentication on for /v1.
	Auth bool
	// AdminTokenHash, when set, is a bootstrap admin token (HashToken of
	// CANARYJUDGE_ADMIN_TOKEN) that needs no database row.
	AdminTokenHash []byte
	// Retention bounds how long short-lived rows are kept (retention.go).
	Retention Retention
	// TokenHint tells the UI's sign-in page how a token is had on this
	// server (cmd/canaryjudge says so per store); empty is ui.DefaultTokenHint.
	TokenHint string
}

// Deps are what the server talks to. Registry is injected so tests and
// several servers in one process never share the global registry.
type Deps struct {
	Store    store.Full
	Logger   *slog.Logger
	Registry *prometheus.Registry
	Now      func() time.Time
	// Classifier reads migration SQL (sqlcheck.Classifier, wired by
	// cmd/canaryjudge). Without one, release SQL counts as unknown and
	// POST /v1/migrations/check answers 501.
	Classifier engine.MigrationClassifier
	// Backends are the metric source types scheduled runs may use
	// (source/prometheus); StaticSources come from the server's sources
	// file and win over stored ones of the same name.
	Backends      map[string]source.Backend
	StaticSources map[string]store.SourceRecord
	// KayentaSource fetches the series of the Kayenta-compatible API's
	// executions. Without one, the metric sources of Backends serve them
	// (metricsAccountName names the source); with neither,
	// POST /kayenta/canary/{canaryId} answers 501.
	KayentaSource kayentaapi.Source
}

// Server routes and answers requests.
type Server struct {
	cfg     Config
	store   store.Full
	engine  *engine.Engine
	log     *slog.Logger
	reg     *prometheus.Registry
	now     func() time.Time
	metrics serverMetrics
	router  chi.Router
	// classifier serves POST /v1/migrations/check; nil when not wired.
	classifier engine.MigrationClassifier
	// backends and staticSources serve sources and runs (runs.go).
	backends      map[string]source.Backend
	staticSources map[string]store.SourceRecord
	// kayentaSource serves the Kayenta-compatible API; nil when not wired.
	kayentaSource kayentaapi.Source
}

// New builds the server and its routes.
func New(cfg Config, d Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.RequestTimeout <= 0 {
		cfg.RequestTimeout = DefaultRequestTimeout
	}
	if d.Logger == nil {
		d.Logger = discardLogger
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	s := &Server{cfg: cfg, store: d.Store, log: d.Logger, reg: d.Registry, now: d.Now,
		metrics: newServerMetrics(d.Registry), classifier: d.Classifier, backends: d.Backends, staticSources: d.StaticSources,
		kayentaSource: d.KayentaSource}
	if s.kayentaSource == nil && len(s.backends) > 0 {
		s.kayentaSource = &kayentaSources{s: s, open: map[string]openedSource{}}
	}
	s.engine = engine.New(d.Store, engine.Options{Now: d.Now, Logger: d.Logger, Registry: d.Registry, Classifier: d.Classifier})
	s.router = s.routes()
	return s
}

// ServeHTTP makes Server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(pathToken, withRequestID, s.observe, s.limitBody)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errStatus(http.StatusNotFound, "not-found", "Not found", "no route for "+r.Method+" "+r.URL.Path))
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errStatus(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed",
			"method "+r.Method+" is not allowed on "+r.URL.Path))
	})
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.handle(s.readyz))
	r.Get("/metrics", s.metricsHandler())
	r.Get("/openapi.yaml", s.openapi)
	r.Route("/v1", func(r chi.Router) {
		s.v1Routes(r)
	})
	s.uiRoutes(r)
	s.integrationRoutes(r)
	return r
}

// Engine is the server's engine: scheduled runs post their windows through
// it, so they take the same path as POST /v1/releases/{id}/analyses.
func (s *Server) Engine() *engine.Engine { return s.engine }
