package server

import (
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

type freezeRequest struct {
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// freezeScope validates {scope}: "global" or "service:NAME".
func freezeScope(r *http.Request) (string, error) {
	sc := chi.URLParam(r, "scope")
	if sc == "global" {
		return sc, nil
	}
	if name, ok := strings.CutPrefix(sc, "service:"); ok && store.ValidName(name) {
		return sc, nil
	}
	return "", badRequest("scope", `must be "global" or "service:NAME"`)
}

// freezeService is the service a freeze scope names, "" for global.
func freezeService(scope string) string {
	name, _ := strings.CutPrefix(scope, "service:")
	if name == scope {
		return ""
	}
	return name
}

func (s *Server) putFreeze(w http.ResponseWriter, r *http.Request) error {
	sc, err := freezeScope(r)
	if err != nil {
		return err
	}
	var req freezeRequest
	if _, err := readJSON(r, &req); err != nil {
		return err
	}
	now := s.now().UTC()
	v := &judge.ValidationError{} // reason's length: checked before decoding (apiLimits)
	if len(strings.TrimSpace(req.Reason)) < 3 {
		v.Add("reason", "required: say why (at least 3 characters)")
	}
	if req.ExpiresAt != nil && !req.ExpiresAt.After(now) {
		v.Add("expires_at", "must be in the future")
	}
	if err := v.Err(); err != nil {
		return err
	}
	f := judge.Freeze{Scope: sc, Reason: req.Reason, CreatedBy: principal(r.Context()), CreatedAt: now, ExpiresAt: req.ExpiresAt}
	in := mustJSON(map[string]any{"scope": sc, "reason": req.Reason, "expires_at": req.ExpiresAt})
	out, err := s.store.PutFreeze(r.Context(), f, store.AuditEntry{At: now, Actor: f.CreatedBy, Action: "freeze:put",
		Service: freezeService(sc), Input: in})
	if err != nil {
		return err
	}
	s.log.Warn("freeze set", "request_id", requestID(r.Context()), "scope", sc, "reason", req.Reason, "by", f.CreatedBy, "expires_at", req.ExpiresAt)
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (s *Server) deleteFreeze(w http.ResponseWriter, r *http.Request) error {
	sc, err := freezeScope(r)
	if err != nil {
		return err
	}
	by := principal(r.Context())
	in := mustJSON(map[string]string{"scope": sc})
	if err := s.store.DeleteFreeze(r.Context(), sc, store.AuditEntry{At: s.now().UTC(), Actor: by, Action: "freeze:delete",
		Service: freezeService(sc), Input: in}); err != nil {
		return err
	}
	s.log.Warn("freeze lifted", "request_id", requestID(r.Context()), "scope", sc, "by", by)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getFreezes(w http.ResponseWriter, r *http.Request) error {
	fs, err := s.store.ListFreezes(r.Context(), s.now().UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"freezes": visibleFreezes(r, fs)})
	return nil
}
