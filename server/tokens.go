package server

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

type tokenRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

// postToken creates a token and shows its secret once.
func (s *Server) postToken(w http.ResponseWriter, r *http.Request) error {
	var req tokenRequest
	if _, err := readJSON(r, &req); err != nil {
		return err
	}
	tok, secret, err := CreateToken(r.Context(), s.store, req.Name, req.Scopes, s.now())
	if err != nil {
		return err
	}
	s.log.Info("token created", "request_id", requestID(r.Context()), "name", tok.Name, "scopes", tok.Scopes, "by", principal(r.Context()))
	writeJSON(w, http.StatusCreated, map[string]any{"id": tok.ID, "name": tok.Name, "scopes": tok.Scopes,
		"created_at": tok.CreatedAt, "token": secret})
	return nil
}

// ValidateToken checks a token's name and scopes.
func ValidateToken(name string, scopes []string) error {
	v := &judge.ValidationError{}
	if !validService.MatchString(name) {
		v.Add("name", "required: 1-63 characters of a-z, 0-9, '.', '_' or '-'")
	}
	if len(scopes) == 0 {
		v.Add("scopes", "required: one or more of "+strings.Join(ValidScopes, ", "))
	}
	for i, sc := range scopes {
		if !slices.Contains(ValidScopes, sc) {
			v.Add(fmt.Sprintf("scopes[%d]", i), "must be one of "+strings.Join(ValidScopes, ", "))
		}
	}
	return v.Err()
}
