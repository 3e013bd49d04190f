package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

func (r *outboxRow) state() string {
	switch {
	case r.dead:
		return outbox.StateDead
	case r.delivered != nil:
		return outbox.StateDelivered
	}
	return outbox.StatePending
}

func (r *outboxRow) entry() outbox.Entry {
	e := outbox.Entry{Message: copyMessage(r.msg), State: r.state(), LastError: r.lastErr,
		DeliveredAt: tsPtr(r.delivered), DeadAt: tsPtr(r.deadAt)}
	e.Claim = 0
	if e.State == outbox.StatePending {
		e.NextAttemptAt = tsPtr(&r.next)
	}
	return e
}

// ListOutbox returns entries newest first, keyset-paginated by q.BeforeID.
func (s *Store) ListOutbox(ctx context.Context, q outbox.Query) ([]outbox.Entry, error) {
	if err := textArgs(q.Service); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if q.State != "" && !slices.Contains(outbox.States, q.State) {
		return nil, fmt.Errorf("outbox state %q is not one of %v", q.State, outbox.States)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []outbox.Entry{}
	for i := len(s.outbox) - 1; i >= 0 && (q.Limit <= 0 || len(out) < q.Limit); i-- {
		r := s.outbox[i]
		if (q.BeforeID > 0 && r.msg.ID >= q.BeforeID) || (q.State != "" && r.state() != q.State) ||
			(q.Service != "" && r.msg.Service != q.Service) || (len(q.Services) > 0 && !slices.Contains(q.Services, r.msg.Service)) {
			continue
		}
		out = append(out, r.entry())
	}
	return out, nil
}

// Redeliver makes a dead message pending again and appends audit.
func (s *Store) Redeliver(ctx context.Context, id int64, now time.Time, audit store.AuditEntry) (outbox.Entry, error) {
	if err := ctx.Err(); err != nil {
		return outbox.Entry{}, err
	}
	if audit.At.IsZero() {
		audit.At = now
	}
	e, err := normAudit(audit)
	if err != nil {
		return outbox.Entry{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.outboxRow(id)
	if err != nil {
		return outbox.Entry{}, err
	}
	if !r.dead {
		return outbox.Entry{}, fmt.Errorf("outbox message %d is %s, not dead: %w", id, r.state(), store.ErrConflict)
	}
	r.dead, r.deadAt, r.msg.Attempts, r.next = false, nil, 0, ts(now)
	e.ReleaseID, e.Service = r.msg.ReleaseID, r.msg.Service
	s.appendAudit(e)
	return r.entry(), nil
}

// Backlog counts pending and dead messages.
func (s *Store) Backlog(ctx context.Context) (outbox.Backlog, error) {
	if err := ctx.Err(); err != nil {
		return outbox.Backlog{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var b outbox.Backlog
	for _, r := range s.outbox {
		switch {
		case r.dead:
			b.Dead++
		case r.delivered == nil:
			b.Pending++
			if b.OldestPending == nil || r.msg.CreatedAt.Before(*b.OldestPending) {
				b.OldestPending = tsPtr(&r.msg.CreatedAt)
			}
		}
	}
	return b, nil
}
