package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// Scopes a token may hold. admin satisfies every requirement.
const (
	ScopeJudge    = "judge"    // releases, analyses, events
	ScopeOperator = "operator" // overrides, freezes
	ScopeAdmin    = "admin"    // policies, tokens
	ScopeRead     = "read"     // any valid token may read
)

// ValidScopes lists the scopes a token can be created with.
var ValidScopes = []string{ScopeJudge, ScopeOperator, ScopeAdmin, ScopeRead}

// MinAdminTokenLength is the shortest bootstrap admin token accepted
// (CANARYJUDGE_ADMIN_TOKEN); serve refuses to start with a shorter one.
// Generated tokens are 46 characters.
const MinAdminTokenLength = 32

const (
	principalKey ctxKey = 100
	tokenKey     ctxKey = 101
)

// principal names the authenticated caller, or "anonymous".
func principal(ctx context.Context) string {
	if p, ok := ctx.Value(principalKey).(string); ok && p != "" {
		return p
	}
	return "anonymous"
}

// callerToken is the authenticated token, nil with auth off.
func callerToken(ctx context.Context) *store.Token {
	t, _ := ctx.Value(tokenKey).(*store.Token)
	return t
}

// NewToken returns a fresh secret token and the hash to store.
func NewToken() (secret string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	secret = "cj_" + base64.RawURLEncoding.EncodeToString(b[:])
	return secret, HashToken(secret)
}

// HashToken is how tokens are stored: SHA-256 of the secret (tokens are
// 256-bit random, so a plain hash is enough; no secret is ever stored).
func HashToken(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// require wraps a handler with bearer-token authentication and a scope
// check. With auth disabled every caller passes as "anonymous".
func (s *Server) require(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.cfg.Auth {
			h(w, r)
			return
		}
		tok, err := s.authenticate(r)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="canaryjudge"`)
			s.fail(w, r, err)
			return
		}
		if scope != ScopeRead && !slices.Contains(tok.Scopes, scope) && !slices.Contains(tok.Scopes, ScopeAdmin) {
			s.fail(w, r, errStatus(http.StatusForbidden, "forbidden", "Forbidden",
				"this token lacks the "+scope+" scope (it has "+strings.Join(tok.Scopes, ", ")+")"))
			return
		}
		ctx := context.WithValue(r.Context(), principalKey, "token:"+tok.Name)
		ctx = context.WithValue(ctx, tokenKey, &tok)
		h(w, r.WithContext(ctx))
	}
}

func (s *Server) authenticate(r *http.Request) (store.Token, error) {
	h := r.Header.Get("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || secret == "" {
		return store.Token{}, errStatus(http.StatusUnauthorized, "unauthorized", "Unauthorized",
			"send Authorization: Bearer <token>: the bootstrap admin token (CANARYJUDGE_ADMIN_TOKEN), or one made with POST /v1/tokens (or `canaryjudge token create` on PostgreSQL)")
	}
	return s.checkSecret(r.Context(), secret)
}

// bootstrapID is the id of the bootstrap admin token (it has no row).
const bootstrapID = "bootstrap"

// checkSecret finds the token whose secret this is (the API's header and
// the UI's header or token form alike).
func (s *Server) checkSecret(ctx context.Context, secret string) (store.Token, error) {
	return s.checkHash(ctx, HashToken(strings.TrimSpace(secret)))
}

// checkHash finds the token with this hash (a secret's, or a UI session's).
func (s *Server) checkHash(ctx context.Context, hash []byte) (store.Token, error) {
	if s.cfg.AdminTokenHash != nil && hmac.Equal(hash, s.cfg.AdminTokenHash) {
		return store.Token{ID: bootstrapID, Name: "bootstrap-admin", Scopes: []string{ScopeAdmin}}, nil
	}
	tok, err := s.store.TokenByHash(ctx, hash)
	if errors.Is(err, store.ErrNotFound) {
		return store.Token{}, errStatus(http.StatusUnauthorized, "unauthorized", "Unauthorized", "unknown or revoked token")
	}
	if err != nil {
		return store.Token{}, err
	}
	// Every request reads the token afresh, so a revoke takes effect on
	// the next request on every replica; the last use is kept to a minute.
	if now := s.now(); tok.LastUsedAt == nil || now.Sub(*tok.LastUsedAt) >= time.Minute {
		if err := s.store.TouchToken(ctx, tok.ID, now); err != nil {
			s.log.Warn("could not record the token's last use", "token", tok.Name, "error", err)
		}
	}
	return tok, nil
}
