package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
)

// Run claims and delivers until ctx is done. It keeps two sets of slots: up
// to Concurrency attempts to sinks that answer (outbox.ClassFast) and up to
// SlowConcurrency to sinks whose last failed attempt hung (ClassSlow). An
// attempt in a fast slot that outlives SlowAfter moves to the slow side, so
// however many sinks hang, a fast slot frees within SlowAfter and a sink
// that answers waits for no dead one. Whenever a slot frees it claims again
// at once, and otherwise it polls every PollInterval. On cancellation it
// waits for the deliveries in flight (their sends are cancelled and the
// messages left due, no attempt counted) and returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	stop := d.heartbeat(ctx)
	defer stop() // after the deliveries below have ended: they hold leases until recorded
	var wg sync.WaitGroup
	defer wg.Wait()
	p := &pools{limit: map[string]int{outbox.ClassFast: d.opts.Concurrency, outbox.ClassSlow: d.opts.SlowConcurrency},
		busy: map[string]int{}, wake: make(chan struct{}, 1)}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-p.wake:
		case <-timer.C:
		}
		for _, class := range []string{outbox.ClassFast, outbox.ClassSlow} {
			free := p.free(class)
			if d.recording.Load() > 0 {
				break // the store just came back (or is still away): record what was sent first
			}
			if free <= 0 {
				continue // a slot frees when a delivery ends (within Timeout) or a fast one moves on (SlowAfter)
			}
			msgs, err := d.claim(ctx, class, free)
			if err != nil {
				if ctx.Err() == nil {
					d.opts.Logger.ErrorContext(ctx, "notify: claim failed", "class", class, "error", err)
				}
				break // the store is away: one claim (and one line in the log) per poll
			}
			for _, m := range msgs {
				sl := p.take(class, d.opts.SlowAfter)
				wg.Go(func() {
					defer sl.release()
					if _, err := d.deliver(ctx, m); err != nil && ctx.Err() == nil && !errors.Is(err, outbox.ErrLeaseLost) {
						d.opts.Logger.ErrorContext(ctx, "notify: recording a delivery failed", "id", m.ID, "error", err)
					}
				})
			}
		}
		timer.Reset(d.opts.PollInterval)
	}
}

// pools counts the attempts in flight per class of slot.
type pools struct {
	mu    sync.Mutex
	limit map[string]int
	busy  map[string]int
	wake  chan struct{} // nudges Run to claim again
}

func (p *pools) free(class string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.limit[class] - p.busy[class]
}

// take occupies a slot of class; a fast one moves to the slow side after
// slowAfter unless released first.
func (p *pools) take(class string, slowAfter time.Duration) *slot {
	p.mu.Lock()
	p.busy[class]++
	p.mu.Unlock()
	sl := &slot{p: p, class: class}
	if class == outbox.ClassFast {
		sl.timer = time.AfterFunc(slowAfter, sl.demote)
	}
	return sl
}

func (p *pools) nudge() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// slot is one attempt's place in the pools.
type slot struct {
	p     *pools
	class string
	timer *time.Timer
	done  bool // guarded by p.mu
}

// demote moves a fast attempt that is taking long to the slow side,
// freeing its fast slot.
func (s *slot) demote() {
	s.p.mu.Lock()
	if !s.done && s.class == outbox.ClassFast {
		s.p.busy[outbox.ClassFast]--
		s.p.busy[outbox.ClassSlow]++
		s.class = outbox.ClassSlow
	}
	s.p.mu.Unlock()
	s.p.nudge()
}

func (s *slot) release() {
	if s.timer != nil {
		s.timer.Stop()
	}
	s.p.mu.Lock()
	s.done = true
	s.p.busy[s.class]--
	s.p.mu.Unlock()
	s.p.nudge()
}
