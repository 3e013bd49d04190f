package server

import (
	"context"
	"net/http"
	"time"
)

// healthz: the process is alive.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz: the store is reachable and its schema is current.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	h, err := s.store.Health(ctx)
	if err != nil {
		return errStatus(http.StatusServiceUnavailable, "not-ready", "Not ready", "store unreachable: "+err.Error())
	}
	if !h.SchemaCurrent {
		return errStatus(http.StatusServiceUnavailable, "not-ready", "Not ready", "database schema is not current: "+h.Detail)
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "store": h})
	return nil
}

// openapi serves the embedded contract.
func (s *Server) openapi(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/yaml")
	_, _ = w.Write(s.cfg.OpenAPI)
}
