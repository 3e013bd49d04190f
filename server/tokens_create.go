package server

import (
	"context"
	"encoding/hex"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// TokenStore is what token creation needs.
type TokenStore interface {
	CreateToken(ctx context.Context, t store.Token, hash []byte) error
}

// CreateToken validates, stores the hash and returns the secret, which is
// shown once and never stored.
func CreateToken(ctx context.Context, ts TokenStore, name string, scopes []string, now time.Time) (store.Token, string, error) {
	if err := ValidateToken(name, scopes); err != nil {
		return store.Token{}, "", err
	}
	secret, hash := NewToken()
	tok := store.Token{ID: "tok_" + hex.EncodeToString(hash[:6]), Name: name, Scopes: scopes, CreatedAt: now.UTC().Truncate(time.Microsecond)}
	if err := ts.CreateToken(ctx, tok, hash); err != nil {
		return store.Token{}, "", err
	}
	return tok, secret, nil
}
