package notify

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// Leases. A claimed sink is leased for Options.Lease (seconds, not
// minutes) and the dispatcher renews the leases of the messages it holds
// every Lease/3 until their outcomes are recorded. A dispatcher that dies,
// or that cannot reach the database, stops renewing, so its sinks free
// themselves within one lease: after an outage no sink stays blocked by a
// claim taken before it. An outcome that cannot be recorded because the
// database is away is retried until it comes back (recordPatience), so a
// page sent during an outage frees its sink, and is not sent again, as soon
// as the database answers.

// recordPatience bounds how long an outcome is retried while the store is
// unreachable; past it the message is sent again once its lease ends.
const recordPatience = time.Minute

// claimer is the optional part of Outbox that claims by sink class; an
// outbox without it is claimed from as one class.
type claimer interface {
	ClaimSinks(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Message, error)
}

// renewer is the optional part of Outbox that extends leases.
type renewer interface {
	Renew(ctx context.Context, now time.Time, lease time.Duration, held []outbox.Held) (int, error)
}

// claim takes up to limit messages of class and records them as held.
func (d *Dispatcher) claim(ctx context.Context, class string, limit int) ([]outbox.Message, error) {
	cctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	var (
		msgs []outbox.Message
		err  error
	)
	switch c, ok := d.ob.(claimer); {
	case ok:
		msgs, err = c.ClaimSinks(cctx, outbox.ClaimRequest{Now: d.opts.Now(), Limit: limit, Lease: d.opts.Lease, Class: class})
	case class == outbox.ClassSlow:
		return nil, nil // one class only: the fast slots take every sink
	default:
		msgs, err = d.ob.Claim(cctx, d.opts.Now(), limit, d.opts.Lease)
	}
	for _, m := range msgs {
		d.held.add(m)
	}
	return msgs, err
}

// heldSet is the claims a dispatcher holds.
type heldSet struct {
	mu sync.Mutex
	m  map[int64]int64 // id -> claim
}

func newHeldSet() *heldSet { return &heldSet{m: map[int64]int64{}} }

func (h *heldSet) add(m outbox.Message) {
	h.mu.Lock()
	h.m[m.ID] = m.Claim
	h.mu.Unlock()
}

func (h *heldSet) drop(m outbox.Message) {
	h.mu.Lock()
	if h.m[m.ID] == m.Claim {
		delete(h.m, m.ID)
	}
	h.mu.Unlock()
}

func (h *heldSet) list() []outbox.Held {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]outbox.Held, 0, len(h.m))
	for id, c := range h.m {
		out = append(out, outbox.Held{ID: id, Claim: c})
	}
	return out
}

// heartbeat renews the held leases every Lease/3 until stop is called
// (not when ctx ends: deliveries cut short by shutdown still hold their
// sinks until they record that).
func (d *Dispatcher) heartbeat(ctx context.Context) (stop func()) {
	r, ok := d.ob.(renewer)
	if !ok {
		return func() {}
	}
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(d.opts.Lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-tick.C:
			}
			if held := d.held.list(); len(held) > 0 {
				rctx, rcancel := context.WithTimeout(hctx, storeTimeout)
				_, err := r.Renew(rctx, d.opts.Now(), d.opts.Lease, held)
				rcancel()
				if err != nil && hctx.Err() == nil {
					d.opts.Logger.WarnContext(ctx, "notify: renewing leases failed; they run out within one lease",
						"held", len(held), "lease", d.opts.Lease, "error", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// persist records an outcome of m, retrying (backing off to 1s) while the
// store is unreachable, for up to recordPatience; on shutdown it tries once
// more and stops. The message is no longer held afterwards, whatever came of it.
func (d *Dispatcher) persist(ctx context.Context, m outbox.Message, write func(context.Context) error) error {
	defer d.held.drop(m)
	wait, deadline := 100*time.Millisecond, time.Now().Add(recordPatience)
	for retrying := false; ; {
		rctx, cancel := recordCtx(ctx)
		err := write(rctx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().After(deadline) {
			if retrying {
				d.recording.Add(-1)
			}
			return err
		}
		if !retrying {
			retrying = true
			d.recording.Add(1) // Run claims nothing until this outcome is recorded
		}
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// transient reports whether a store error may go away by itself.
func transient(err error) bool {
	return errors.Is(err, store.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, store.ErrConflict)
}
