package memory

import (
	"context"
	"fmt"

	"github.com/canaryjudge/canaryjudge/store"
)

// TokenHash returns the stored hash of the token with this id.
func (s *Store) TokenHash(ctx context.Context, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for hash, t := range s.tokens {
		if t.ID == id {
			return []byte(hash), nil
		}
	}
	return nil, fmt.Errorf("token %s: %w", id, store.ErrNotFound)
}
