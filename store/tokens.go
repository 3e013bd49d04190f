package store

import (
	"context"
	"time"
)

// Token is an API bearer token; only its hash is stored.
type Token struct {
	ID     string   `json:"id"`
	Name   string   `json:"name"` // unique
	Scopes []string `json:"scopes"`
	// Services limits the token to these services; empty means all.
	Services  []string  `json:"services"`
	CreatedAt time.Time `json:"created_at"`
	// LastUsedAt is when the token last authenticated a request, to about
	// a minute (TouchToken); nil when never.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
}

// Tokens stores API tokens by hash. Creating and revoking append their
// audit entry in the same transaction (a zero audit.At becomes the
// token's CreatedAt on create).
type Tokens interface {
	// CreateToken stores t (nil Scopes and Services as empty); a taken ID,
	// name or hash is ErrConflict.
	CreateToken(ctx context.Context, t Token, hash []byte, audit AuditEntry) error
	// TokenByHash returns the token whose hash matches; ErrNotFound otherwise.
	TokenByHash(ctx context.Context, hash []byte) (Token, error)
	// TokenHash returns the stored hash of the token with this id (what
	// the web UI's sessions are keyed with); ErrNotFound otherwise.
	TokenHash(ctx context.Context, id string) ([]byte, error)
	// TouchToken records a use of the token at at (LastUsedAt); a token
	// that is gone is not an error.
	TouchToken(ctx context.Context, id string, at time.Time) error
	// ListTokens returns every token by name, never a hash.
	ListTokens(ctx context.Context) ([]Token, error)
	// DeleteToken revokes the token called name; ErrNotFound when none is.
	DeleteToken(ctx context.Context, name string, audit AuditEntry) error
}
