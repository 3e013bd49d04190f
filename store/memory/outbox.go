package memory

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/store"
)

// outboxRow is one message and its delivery state.
type outboxRow struct {
	msg       notify.Message
	next      time.Time // due again at; a claim moves it to the lease's end
	delivered *time.Time
	dead      bool
	lastErr   string
}

var _ notify.Outbox = (*Store)(nil)

// newOutboxRow gives m its stored form, due at its CreatedAt (no id yet).
func newOutboxRow(m notify.Message) (*outboxRow, error) {
	details, err := raw(m.Details, "outbox details")
	if err != nil {
		return nil, err
	}
	sink, err := viaJSON(m.Sink, "sink")
	if err != nil {
		return nil, err
	}
	m.Details, m.Sink, m.CreatedAt = details, sink, ts(m.CreatedAt)
	return &outboxRow{msg: m, next: m.CreatedAt}, nil
}

// Claim takes up to limit due messages in id order and hides them until
// now+lease. limit <= 0 claims nothing.
func (s *Store) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]notify.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	now = ts(now)
	until := ts(now.Add(lease))
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []notify.Message{}
	for _, r := range s.outbox {
		if len(out) >= limit {
			break
		}
		if r.delivered != nil || r.dead || r.next.After(now) {
			continue
		}
		r.next = until
		out = append(out, copyMessage(r.msg))
	}
	return out, nil
}

// Delivered marks a message delivered at at.
func (s *Store) Delivered(ctx context.Context, id int64, at time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.outboxRow(id)
	if err != nil {
		return err
	}
	r.delivered = tsPtr(&at)
	return nil
}

// Retry records a failed attempt.
func (s *Store) Retry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string, dead bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.outboxRow(id)
	if err != nil {
		return err
	}
	r.msg.Attempts, r.next, r.lastErr, r.dead = attempts, ts(next), lastErr, dead
	return nil
}

// outboxRow finds a row by id. Callers hold mu.
func (s *Store) outboxRow(id int64) (*outboxRow, error) {
	i := sort.Search(len(s.outbox), func(i int) bool { return s.outbox[i].msg.ID >= id })
	if i == len(s.outbox) || s.outbox[i].msg.ID != id {
		return nil, fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	}
	return s.outbox[i], nil
}
