package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

type tokenRequest struct {
	Name     string   `json:"name"`
	Scopes   []string `json:"scopes"`
	Services []string `json:"services,omitempty"`
}

// MaxTokenServices bounds a token's service restriction.
const MaxTokenServices = 100

// postToken creates a token and shows its secret once.
func (s *Server) postToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if _, err := readJSON(r, &req); err != nil {
		return err
	}
	by := principal(r.Context())
	tok, secret, err := CreateToken(r.Context(), s.store, TokenSpec{Name: req.Name, Scopes: req.Scopes, Services: req.Services}, by, s.now())
	if err != nil {
		return err
	}
	s.log.Info("token created", "request_id", requestID(r.Context()), "name", tok.Name, "scopes", tok.Scopes, "services", tok.Services, "by", by)
	writeJSON(w, http.StatusCreated, map[string]any{"id": tok.ID, "name": tok.Name, "scopes": tok.Scopes,
		"services": tok.Services, "created_at": tok.CreatedAt, "token": secret})
	return nil
}

// getTokens lists the tokens: names, scopes, services, creation and last
// use; never a secret or a hash.
func (s *Server) getTokens(w http.ResponseWriter, r *http.Request) error {
	list, err := s.store.ListTokens(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": list})
	return nil
}

// deleteToken revokes a token by name; every replica refuses it from the
// next request on (tokens are read on every request, never cached).
func (s *Server) deleteToken(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	if !store.ValidName(name) {
		return badRequest("name", "must be "+store.NameRule)
	}
	by := principal(r.Context())
	in := mustJSON(map[string]string{"name": name})
	if err := s.store.DeleteToken(r.Context(), name, store.AuditEntry{At: s.now(), Actor: by, Action: "token:revoke", Input: in}); err != nil {
		return err
	}
	s.log.Warn("token revoked", "request_id", requestID(r.Context()), "name", name, "by", by)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// TokenSpec is what a new token is made of.
type TokenSpec struct {
	Name     string
	Scopes   []string
	Services []string // empty: every service
}

// ValidateToken checks a token's name, scopes and services, listing every
// problem.
func ValidateToken(t TokenSpec) error {
	v := &judge.ValidationError{}
	if !store.ValidName(t.Name) {
		v.Add("name", "required: "+store.NameRule)
	}
	if len(t.Scopes) == 0 {
		v.Add("scopes", "required: one or more of "+strings.Join(ValidScopes, ", "))
	}
	for i, sc := range t.Scopes {
		switch {
		case !slices.Contains(ValidScopes, sc):
			v.Add(fmt.Sprintf("scopes[%d]", i), "must be one of "+strings.Join(ValidScopes, ", "))
		case slices.Index(t.Scopes, sc) < i:
			v.Add(fmt.Sprintf("scopes[%d]", i), fmt.Sprintf("duplicate scope %q", sc))
		}
	}
	if len(t.Services) > MaxTokenServices {
		v.Add("services", fmt.Sprintf("must list at most %d services", MaxTokenServices))
	}
	for i, svc := range t.Services {
		switch {
		case !store.ValidName(svc):
			v.Add(fmt.Sprintf("services[%d]", i), "must be "+store.NameRule)
		case slices.Index(t.Services, svc) < i:
			v.Add(fmt.Sprintf("services[%d]", i), fmt.Sprintf("duplicate service %q", svc))
		}
	}
	return v.Err()
}
