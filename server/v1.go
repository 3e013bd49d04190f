package server

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// v1Routes mounts the versioned API with the scope each route needs.
func (s *Server) v1Routes(r chi.Router) {
	h := func(scope string, f handlerFunc) func(w http.ResponseWriter, r *http.Request) {
		return s.require(scope, s.handle(f))
	}
	r.Post("/judge", h(ScopeRead, s.postJudge))
	r.Put("/services/{service}/policy", h(ScopeAdmin, s.putPolicy))
	r.Get("/services/{service}/policy", h(ScopeRead, s.getPolicy))
	r.Get("/services/{service}/verdicts", h(ScopeRead, s.getVerdicts))
	r.Post("/releases", h(ScopeJudge, s.postRelease))
	r.Get("/releases/{id}", h(ScopeRead, s.getRelease))
	r.Get("/releases/{id}/decision", h(ScopeRead, s.getDecision))
	r.Get("/releases/{id}/audit", h(ScopeRead, s.getAudit))
	r.Post("/releases/{id}/analyses", h(ScopeJudge, s.postAnalysis))
	r.Post("/releases/{id}/events", h(ScopeJudge, s.postEvent))
	r.Post("/releases/{id}/override", h(ScopeOperator, s.postOverride))
	r.Get("/freezes", h(ScopeRead, s.getFreezes))
	r.Put("/freezes/{scope}", h(ScopeOperator, s.putFreeze))
	r.Delete("/freezes/{scope}", h(ScopeOperator, s.deleteFreeze))
	r.Post("/tokens", h(ScopeAdmin, s.postToken))
	r.Post("/migrations/check", h(ScopeRead, s.postMigrationCheck))
}
