package postgres

import (
	"context"

	"github.com/canaryjudge/canaryjudge/store"
)

// Prune deletes old rows in batches of at most limit per table; see
// store.Retention. Each batch is its own statement, so a large backlog
// never holds many row locks at once.
func (s *Store) Prune(ctx context.Context, b store.PruneBefore, limit int) (store.Pruned, error) {
	var p store.Pruned
	if limit <= 0 {
		return p, nil
	}
	steps := []struct {
		on  bool
		n   *int
		sql string
		arg any
	}{
		{!b.Keys.IsZero(), &p.Idempotency, `DELETE FROM idempotency WHERE ctid IN
			(SELECT ctid FROM idempotency WHERE created_at < $1 LIMIT $2)`, b.Keys},
		{!b.Rows.IsZero(), &p.Outbox, `DELETE FROM outbox WHERE id IN
			(SELECT id FROM outbox WHERE delivered_at < $1 OR (dead AND dead_at < $1) ORDER BY id LIMIT $2)`, b.Rows},
		{!b.Rows.IsZero(), &p.Kayenta, `DELETE FROM kayenta_executions WHERE id IN
			(SELECT id FROM kayenta_executions WHERE ended_at < $1 LIMIT $2)`, b.Rows},
	}
	for _, st := range steps {
		if !st.on {
			continue
		}
		tag, err := s.pool.Exec(ctx, st.sql, st.arg, limit)
		if err != nil {
			return p, translate(err, "prune")
		}
		*st.n = int(tag.RowsAffected())
	}
	return p, nil
}
