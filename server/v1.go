package server

import (
	"context"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/server/query"
)

// v1Routes mounts the versioned API with the scope each route needs.
func (s *Server) v1Routes(r chi.Router) {
	h := s.route
	r.Post("/judge", h(ScopeRead, s.postJudge))
	r.Put("/services/{service}/policy", h(ScopeAdmin, s.putPolicy))
	r.Get("/services/{service}/policy", h(ScopeRead, s.getPolicy))
	r.Get("/services/{service}/verdicts", h(ScopeRead, s.getVerdicts))
	r.Post("/releases", h(ScopeJudge, s.postRelease))
	r.Get("/releases", h(ScopeRead, s.getReleases))
	r.Get("/releases/{id}", h(ScopeRead, s.getRelease))
	r.Get("/releases/{id}/decision", h(ScopeRead, s.getDecision))
	r.Get("/releases/{id}/audit", h(ScopeRead, s.getAudit))
	r.Get("/releases/{id}/report", h(ScopeRead, s.getReport))
	r.Post("/releases/{id}/analyses", h(ScopeJudge, s.postAnalysis))
	r.Post("/releases/{id}/events", h(ScopeJudge, s.postEvent))
	r.Post("/releases/{id}/override", h(ScopeOperator, s.postOverride))
	r.Get("/freezes", h(ScopeRead, s.getFreezes))
	r.Put("/freezes/{scope}", h(ScopeOperator, s.putFreeze))
	r.Delete("/freezes/{scope}", h(ScopeOperator, s.deleteFreeze))
	r.Get("/audit", h(ScopeRead, s.getAuditLog))
	r.Get("/audit/{entry}", h(ScopeRead, s.getAuditEntry))
	r.Post("/tokens", h(ScopeAdmin, s.postToken))
	r.Get("/outbox", h(ScopeRead, s.getOutbox))
	r.Post("/outbox/{id}/retry", h(ScopeAdmin, s.retryOutbox))
	r.Post("/migrations/check", h(ScopeRead, s.postMigrationCheck))
	r.Get("/tokens", h(ScopeAdmin, s.getTokens))
	r.Delete("/tokens/{name}", h(ScopeAdmin, s.deleteToken))
	// Scheduled runs (runs.go, sources.go); {run} is not {id}: handlers
	// check a run's service themselves.
	r.Post("/releases/{id}/runs", h(ScopeJudge, s.postRun))
	r.Get("/runs", h(ScopeRead, s.getRuns))
	r.Get("/runs/{run}", h(ScopeRead, s.getRun))
	r.Get("/runs/{run}/windows", h(ScopeRead, s.getRunWindows))
	r.Delete("/runs/{run}", h(ScopeJudge, s.deleteRun))
	r.Get("/sources", h(ScopeRead, s.getSources))
	r.Get("/sources/{name}", h(ScopeRead, s.getSource))
	r.Put("/sources/{name}", h(ScopeAdmin, s.putSource))
	r.Delete("/sources/{name}", h(ScopeAdmin, s.deleteSource))
}

// route is how every API and integration route is served: the token and
// its scope checked, the guards below, and one error funnel.
func (s *Server) route(scope string, f handlerFunc) http.HandlerFunc {
	return s.require(scope, s.handle(s.guarded(f)))
}

// guarded is what every API route gets before its handler: a deadline on
// its work (a database that stopped answering gives 503, not a hung
// request), path parameters checked, the token's service restriction
// enforced, and the body's text checked field by field.
func (s *Server) guarded(f handlerFunc) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
		defer cancel()
		r = r.WithContext(ctx)
		if err := checkParams(r); err != nil {
			return err
		}
		if err := query.Check(r.URL.RawQuery); err != nil {
			return err
		}
		if err := s.restrict(r); err != nil {
			return err
		}
		if err := checkBody(r); err != nil {
			return err
		}
		return f(w, r)
	}
}
