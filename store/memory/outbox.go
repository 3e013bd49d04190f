package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// outboxRow is one message and its delivery state.
type outboxRow struct {
	msg       outbox.Message // msg.Claim counts the claims, as the claims column
	next      time.Time      // due again at
	delivered *time.Time
	dead      bool
	deadAt    *time.Time
	lastErr   string
}

func (r *outboxRow) pending() bool { return r.delivered == nil && !r.dead }

// sinkRow is one destination, as a row of outbox_sinks: busy while
// leaseUntil is after now, held by message holder.
type sinkRow struct {
	leaseUntil time.Time // busy until; idle since, once past (new: its first message's time)
	holder     int64
	slow       bool // its last failed attempt hung (outbox.ClassSlow)
	ok         bool // its last attempt succeeded (outbox.AnsweredHeadStart)
}

// idleSince orders sinks for a claim: longest idle first, a sink that
// answered counting AnsweredHeadStart more.
func (r *sinkRow) idleSince() time.Time {
	if r.ok {
		return r.leaseUntil.Add(-outbox.AnsweredHeadStart)
	}
	return r.leaseUntil
}

var _ store.Outbox = (*Store)(nil)

// newOutboxRow gives m its stored form, due at its CreatedAt (no id yet).
func newOutboxRow(m outbox.Message) (*outboxRow, error) {
	details, err := raw(m.Details, "outbox details")
	if err != nil {
		return nil, err
	}
	if m.Sink.PolicyVersion < 0 || m.Sink.Index < 0 {
		return nil, fmt.Errorf("enqueue: sink reference %+v is negative", m.Sink)
	}
	m.Details, m.CreatedAt, m.Claim = details, ts(m.CreatedAt), 0
	return &outboxRow{msg: m, next: m.CreatedAt}, nil
}

// addSink makes sure key has a sink row, idle since at when new. Callers
// hold mu.
func (s *Store) addSink(key string, at time.Time) {
	if s.sinks == nil {
		s.sinks = map[string]*sinkRow{}
	}
	if s.sinks[key] == nil {
		s.sinks[key] = &sinkRow{leaseUntil: at}
	}
}

// Claim hands out up to limit messages, one per idle sink, as the
// PostgreSQL store does (see store.Outbox).
func (s *Store) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]outbox.Message, error) {
	return s.ClaimSinks(ctx, outbox.ClaimRequest{Now: now, Limit: limit, Lease: lease})
}

// ClaimSinks is Claim for one class of sink, as the PostgreSQL store does.
func (s *Store) ClaimSinks(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Message, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if req.Class != outbox.ClassAny && req.Class != outbox.ClassFast && req.Class != outbox.ClassSlow {
		return nil, fmt.Errorf("claim: sink class %q is not one of fast, slow or empty", req.Class)
	}
	limit, now, until := req.Limit, ts(req.Now), ts(req.Now.Add(req.Lease))
	s.mu.Lock()
	defer s.mu.Unlock()
	best := s.claimable(now)
	keys := make([]string, 0, len(best))
	for k := range best {
		if req.Class == outbox.ClassAny || s.sinks[k].slow == (req.Class == outbox.ClassSlow) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := s.sinks[a].idleSince().Compare(s.sinks[b].idleSince()); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	out := []outbox.Message{}
	for _, k := range keys[:min(max(limit, 0), len(keys))] {
		r := best[k]
		r.msg.Claim++
		s.sinks[k].leaseUntil, s.sinks[k].holder = until, r.msg.ID
		out = append(out, copyMessage(r.msg))
	}
	slices.SortFunc(out, func(a, b outbox.Message) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

// claimable returns, per idle sink, its claimable message due first: the
// head of each release's pending messages to that sink, if due. Callers
// hold mu.
func (s *Store) claimable(now time.Time) map[string]*outboxRow {
	type relSink struct{ release, key string }
	head := map[relSink]bool{}
	best := map[string]*outboxRow{}
	for _, r := range s.outbox { // id order
		if !r.pending() {
			continue
		}
		k := relSink{r.msg.ReleaseID, r.msg.Sink.Key}
		if head[k] {
			continue // an earlier pending message of this release to this sink goes first
		}
		head[k] = true
		sink := s.sinks[r.msg.Sink.Key]
		if r.next.After(now) || sink == nil || sink.leaseUntil.After(now) {
			continue
		}
		if b := best[r.msg.Sink.Key]; b == nil || r.next.Before(b.next) {
			best[r.msg.Sink.Key] = r
		}
	}
	return best
}

// Renew extends the leases the held messages still hold.
func (s *Store) Renew(ctx context.Context, now time.Time, lease time.Duration, held []outbox.Held) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	until := ts(now.Add(lease))
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, h := range held {
		r, err := s.outboxRow(h.ID)
		if err != nil || r.msg.Claim != h.Claim || !r.pending() {
			continue
		}
		if sink := s.sinks[r.msg.Sink.Key]; sink != nil && sink.holder == h.ID {
			sink.leaseUntil = later(sink.leaseUntil, until)
			n++
		}
	}
	return n, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// Delivered marks a message delivered at at and frees its sink.
func (s *Store) Delivered(ctx context.Context, id, claim int64, at time.Time) error {
	return s.record(ctx, id, claim, at, &sinkRow{ok: true}, func(r *outboxRow) { r.delivered = tsPtr(&at) })
}

// Retry records a failed attempt and frees the sink at f.At.
func (s *Store) Retry(ctx context.Context, id, claim int64, f outbox.Failure) error {
	class := &sinkRow{slow: f.Slow}
	if f.Interrupted {
		class = nil
	}
	return s.record(ctx, id, claim, f.At, class, func(r *outboxRow) {
		r.msg.Attempts, r.next, r.lastErr, r.dead, r.deadAt = f.Attempts, ts(f.Next), f.Err, f.Dead, nil
		if f.Dead {
			r.deadAt = tsPtr(&f.At)
		}
	})
}

// record applies an outcome under the claim and frees the sink, taking
// its slow and ok flags from class (nil keeps them).
func (s *Store) record(ctx context.Context, id, claim int64, at time.Time, class *sinkRow, apply func(*outboxRow)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, err := s.outboxRow(id)
	if err != nil {
		return err
	}
	if r.msg.Claim != claim || !r.pending() {
		return fmt.Errorf("outbox message %d, claim %d (now %d): %w", id, claim, r.msg.Claim, outbox.ErrLeaseLost)
	}
	apply(r)
	if sink := s.sinks[r.msg.Sink.Key]; sink != nil && sink.holder == id {
		sink.leaseUntil, sink.holder = ts(at), 0
		if class != nil {
			sink.slow, sink.ok = class.slow, class.ok
		}
	}
	return nil
}

// NotifySink resolves a sink reference against the stored policy version.
func (s *Store) NotifySink(ctx context.Context, service string, ref outbox.SinkRef) (judge.Sink, error) {
	if err := ctx.Err(); err != nil {
		return judge.Sink{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := s.policies[service]
	if ref.PolicyVersion < 1 || ref.PolicyVersion > len(versions) || ref.Index < 0 ||
		ref.Index >= len(versions[ref.PolicyVersion-1].Policy.Notify) {
		return judge.Sink{}, fmt.Errorf("sink %d of policy %s v%d: %w: %w", ref.Index, service, ref.PolicyVersion, outbox.ErrNoSink, store.ErrNotFound)
	}
	return copyJSON(versions[ref.PolicyVersion-1].Policy.Notify[ref.Index]), nil
}

// outboxRow finds a row by id. Callers hold mu.
func (s *Store) outboxRow(id int64) (*outboxRow, error) {
	i := sort.Search(len(s.outbox), func(i int) bool { return s.outbox[i].msg.ID >= id })
	if i == len(s.outbox) || s.outbox[i].msg.ID != id {
		return nil, fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	}
	return s.outbox[i], nil
}
