package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// TokenHash returns the stored hash of the token with this id.
func (s *Store) TokenHash(ctx context.Context, id string) ([]byte, error) {
	var hash []byte
	err := s.pool.QueryRow(ctx, `SELECT hash FROM tokens WHERE id = $1`, id).Scan(&hash)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, fmt.Errorf("token %s: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, translate(err, "token hash")
	}
	return hash, nil
}
