package server

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// TokenStore is what token creation needs.
type TokenStore interface {
	CreateToken(ctx context.Context, t store.Token, hash []byte, audit store.AuditEntry) error
}

// CreateToken validates, stores the hash (audited with the actor) and
// returns the secret, which is shown once and never stored.
func CreateToken(ctx context.Context, ts TokenStore, spec TokenSpec, actor string, now time.Time) (store.Token, string, error) {
	if err := ValidateToken(spec); err != nil {
		return store.Token{}, "", err
	}
	secret, hash := NewToken()
	tok := store.Token{ID: "tok_" + hex.EncodeToString(hash[:6]), Name: spec.Name, Scopes: spec.Scopes,
		Services: spec.Services, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if tok.Services == nil {
		tok.Services = []string{}
	}
	in := mustJSON(map[string]any{"id": tok.ID, "name": tok.Name, "scopes": tok.Scopes, "services": tok.Services})
	if err := ts.CreateToken(ctx, tok, hash, store.AuditEntry{At: tok.CreatedAt, Actor: actor, Action: "token:create", Input: in}); err != nil {
		return store.Token{}, "", err
	}
	return tok, secret, nil
}
