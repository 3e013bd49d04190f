package memory

import (
	"context"
	"slices"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// Prune deletes old rows, at most limit of each kind; see store.Retention.
func (s *Store) Prune(ctx context.Context, b store.PruneBefore, limit int) (store.Pruned, error) {
	var p store.Pruned
	if err := ctx.Err(); err != nil || limit <= 0 {
		return p, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !b.Keys.IsZero() {
		for k, at := range s.idemAt {
			if p.Idempotency < limit && at.Before(b.Keys) {
				delete(s.idem, k)
				delete(s.idemAt, k)
				p.Idempotency++
			}
		}
	}
	if b.Rows.IsZero() {
		return p, nil
	}
	s.outbox = slices.DeleteFunc(s.outbox, func(r *outboxRow) bool {
		old := before(r.delivered, b.Rows) || r.dead && before(r.deadAt, b.Rows)
		if old && p.Outbox < limit {
			p.Outbox++
			return true
		}
		return false
	})
	for id, e := range s.kayenta {
		if p.Kayenta < limit && e.EndedAt.Before(b.Rows) {
			delete(s.kayenta, id)
			p.Kayenta++
		}
	}
	return p, nil
}

func before(t *time.Time, bound time.Time) bool { return t != nil && t.Before(bound) }
