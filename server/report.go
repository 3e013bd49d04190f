package server

import (
	"context"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server/ui"
)

// getReport is the release report as JSON (GET /v1/releases/{id}/report):
// the same report.Report the web UI renders at /ui/releases/{id}.
func (s *Server) getReport(w http.ResponseWriter, r *http.Request) error {
	var o report.Options
	if raw := r.URL.Query().Get("window"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			return badRequest("window", "must be a window number (1, 2, ...)")
		}
		o.Window = n
	}
	rep, err := report.Build(r.Context(), s.store, chi.URLParam(r, "id"), o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}

// uiRoutes mounts the read-only web UI at /ui/. With auth on it reads
// with the same tokens as the API.
func (s *Server) uiRoutes(r interface {
	Handle(pattern string, h http.Handler)
}) {
	o := ui.Options{Store: s.store, Log: s.log, Now: s.now, Timeout: s.cfg.RequestTimeout, Version: s.cfg.Version,
		TokenHint: s.cfg.TokenHint}
	if s.cfg.Auth {
		o.Auth = s.uiCaller
		o.Sessions = ui.Sessions{New: s.newSession, Check: s.session}
	}
	h := http.StripPrefix("/ui", ui.New(o))
	r.Handle("/ui", http.RedirectHandler("/ui/", http.StatusMovedPermanently))
	r.Handle("/ui/*", h)
}

// uiCaller checks a UI request's token as the API checks its bearer token.
func (s *Server) uiCaller(ctx context.Context, secret string) (ui.Caller, error) {
	c, _, err := s.uiToken(ctx, secret)
	return c, err
}
