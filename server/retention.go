package server

import (
	"context"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// Retention bounds what the server keeps of rows that serve only for a
// while; zero keeps them for ever. The history (releases, analyses,
// decisions, runs, the audit log) is always kept.
type Retention struct {
	// Keys is how long an Idempotency-Key's stored answer is replayed.
	Keys time.Duration
	// Rows is how long delivered and dead-lettered notifications (the
	// outbox, and with it a release report's pages) and Kayenta
	// executions are kept.
	Rows time.Duration
}

// Prune cadence and batch: every replica prunes at most once per
// PruneEvery, PruneBatch rows of a kind per statement.
const (
	PruneEvery = time.Hour
	PruneBatch = 1000
)

// Prune deletes what Config.Retention no longer keeps, batch by batch
// until a batch comes back short or ctx ends, and counts it by table.
func (s *Server) Prune(ctx context.Context) (store.Pruned, error) {
	var total store.Pruned
	b := store.PruneBefore{}
	now := s.now().UTC()
	if r := s.cfg.Retention; r.Keys > 0 {
		b.Keys = now.Add(-r.Keys)
	}
	if r := s.cfg.Retention; r.Rows > 0 {
		b.Rows = now.Add(-r.Rows)
	}
	if b.Keys.IsZero() && b.Rows.IsZero() {
		return total, nil
	}
	for {
		p, err := s.store.Prune(ctx, b, PruneBatch)
		total.Idempotency += p.Idempotency
		total.Outbox += p.Outbox
		total.Kayenta += p.Kayenta
		s.metrics.pruned.WithLabelValues("idempotency").Add(float64(p.Idempotency))
		s.metrics.pruned.WithLabelValues("outbox").Add(float64(p.Outbox))
		s.metrics.pruned.WithLabelValues("kayenta_executions").Add(float64(p.Kayenta))
		if err != nil || p.Max() < PruneBatch {
			return total, err
		}
	}
}

// prune runs Prune from the sweeper at most once per PruneEvery.
func (s *Server) prune(ctx context.Context, last *time.Time) {
	if s.cfg.Retention == (Retention{}) || (!last.IsZero() && time.Since(*last) < PruneEvery) {
		return
	}
	*last = time.Now()
	pctx, cancel := context.WithTimeout(ctx, SweepTimeout)
	defer cancel()
	p, err := s.Prune(pctx)
	switch {
	case err != nil && ctx.Err() != nil: // shutting down
	case err != nil && pctx.Err() != nil:
		s.log.Warn("retention prune reached its time bound; the rest goes next time", "idempotency", p.Idempotency, "outbox", p.Outbox, "kayenta_executions", p.Kayenta)
	case err != nil:
		s.log.Error("retention prune failed", "error", err)
	case p != (store.Pruned{}):
		s.log.Info("retention pruned old rows", "idempotency", p.Idempotency, "outbox", p.Outbox, "kayenta_executions", p.Kayenta)
	}
}
