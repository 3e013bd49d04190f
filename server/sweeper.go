package server

import (
	"context"
	"time"
)

// SweepTimeout bounds one sweep: a database that stopped answering must
// not hang the sweeper until the operating system gives up on the
// connection; the next tick tries again.
const SweepTimeout = 30 * time.Second

// RunSweeper halts stuck rollbacks and stale bakes every interval until
// ctx ends, and prunes what Config.Retention no longer keeps (at most once
// per PruneEvery). Every replica runs one; the store makes sure each
// release is handled (and paged) exactly once.
func (s *Server) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastPrune time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			sctx, cancel := context.WithTimeout(ctx, SweepTimeout)
			if n, err := s.engine.Sweep(sctx); err != nil && ctx.Err() == nil {
				s.log.Error("sweep for stuck rollbacks and stale releases failed", "error", err)
			} else if n > 0 {
				s.log.Warn("halted stuck rollbacks and stale releases", "count", n)
			}
			cancel()
			s.prune(ctx, &lastPrune)
		}
	}
}

// Sweep runs one sweep now (tests and game days).
func (s *Server) Sweep(ctx context.Context) (int, error) { return s.engine.Sweep(ctx) }
