package server

import (
	"context"
	"time"
)

// RunSweeper halts stuck rollbacks every interval until ctx ends. Every
// replica runs one; the store makes sure each stuck release is handled
// (and paged) exactly once.
func (s *Server) RunSweeper(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.engine.Sweep(ctx); err != nil && ctx.Err() == nil {
				s.log.Error("sweep for stuck rollbacks failed", "error", err)
			} else if n > 0 {
				s.log.Warn("halted stuck rollbacks", "count", n)
			}
		}
	}
}

// Sweep runs one sweep now (tests and game days).
func (s *Server) Sweep(ctx context.Context) (int, error) { return s.engine.Sweep(ctx) }
