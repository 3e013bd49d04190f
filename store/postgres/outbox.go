package postgres

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

var _ store.Outbox = (*Store)(nil)

// enqueue writes one outbox row, due at once (next_attempt_at = CreatedAt),
// and makes sure its destination has a row in outbox_sinks. ON CONFLICT DO
// NOTHING takes no lock, so a claim holding that row never blocks a decision.
func enqueue(ctx context.Context, q querier, m outbox.Message) error {
	at := ts(m.CreatedAt)
	_, err := q.Exec(ctx, `INSERT INTO outbox (release_id, service, target, kind, summary, severity, details,
			policy_version, sink_index, sink_kind, sink_key, attempts, next_attempt_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)`,
		m.ReleaseID, m.Service, m.Target, m.Kind, m.Summary, m.Severity, rawJSON(m.Details),
		m.Sink.PolicyVersion, m.Sink.Index, m.Sink.Kind, m.Sink.Key, m.Attempts, at)
	if err != nil {
		return translate(err, "enqueue")
	}
	_, err = q.Exec(ctx, `INSERT INTO outbox_sinks (sink_key, kind, lease_until) VALUES ($1, $2, $3) ON CONFLICT (sink_key) DO NOTHING`,
		m.Sink.Key, m.Sink.Kind, at)
	return translate(err, "enqueue")
}

// claimableSQL: pending, due at $1, and the oldest pending message of its
// release to its sink (so a resolve never overtakes its page).
const claimableSQL = `o.delivered_at IS NULL AND NOT o.dead AND o.next_attempt_at <= $1
	AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.sink_key = o.sink_key AND e.release_id = o.release_id
		AND e.id < o.id AND e.delivered_at IS NULL AND NOT e.dead)`

const messageCols = `o.id, o.release_id, o.service, o.target, o.kind, o.summary, o.severity, o.details,
	o.policy_version, o.sink_index, o.sink_kind, o.sink_key, o.attempts, o.created_at, o.claims`

// Claim locks up to limit idle sinks (FOR UPDATE SKIP LOCKED: a sink another
// replica is claiming is skipped) that have a claimable message, least
// recently served first, takes the claimable message of each that is due
// first, and leases the sink until now+lease. A sink is busy while its lease
// runs, so each sink has at most one message in flight across replicas; a
// crashed claimer's sink frees itself when the lease ends.
func (s *Store) Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]outbox.Message, error) {
	return s.ClaimSinks(ctx, outbox.ClaimRequest{Now: now, Limit: limit, Lease: lease})
}

// ClaimSinks is Claim for one class of sink (see store.Outbox).
func (s *Store) ClaimSinks(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Message, error) {
	if req.Limit <= 0 {
		return []outbox.Message{}, nil
	}
	slow, err := classSQL(req.Class)
	if err != nil {
		return nil, err
	}
	now, until := ts(req.Now), ts(req.Now.Add(req.Lease))
	var out []outbox.Message
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// LATERAL ... LIMIT 1 looks for a claimable message sink by sink
		// (one short index scan each), whatever the statistics say: as an
		// EXISTS the planner may instead aggregate every pending message,
		// which costs tens of milliseconds per claim behind a large backlog.
		rows, err := tx.Query(ctx, `SELECT s.sink_key FROM outbox_sinks s
			CROSS JOIN LATERAL (SELECT 1 FROM outbox o WHERE o.sink_key = s.sink_key AND `+claimableSQL+` LIMIT 1) c
			WHERE s.lease_until <= $1 AND ($3::boolean IS NULL OR s.slow = $3)
			ORDER BY s.lease_until - CASE WHEN s.ok THEN $4::interval ELSE interval '0' END, s.sink_key
			LIMIT $2 FOR UPDATE OF s SKIP LOCKED`, now, req.Limit, slow, outbox.AnsweredHeadStart)
		if err != nil {
			return err
		}
		keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil || len(keys) == 0 {
			return err
		}
		// One small index scan per locked sink (LATERAL ... LIMIT 1), so the
		// cost follows the pending messages of those sinks, never the table.
		rows, err = tx.Query(ctx, `UPDATE outbox o SET claims = o.claims + 1
			FROM unnest($2::text[]) AS k(sink_key)
			CROSS JOIN LATERAL (SELECT o.id FROM outbox o WHERE o.sink_key = k.sink_key AND `+claimableSQL+`
			                    ORDER BY o.next_attempt_at, o.id LIMIT 1) pick
			WHERE o.id = pick.id RETURNING `+messageCols, now, keys)
		if err != nil {
			return err
		}
		if out, err = pgx.CollectRows(rows, scanMessage); err != nil {
			return err
		}
		held, holders := make([]string, len(out)), make([]int64, len(out))
		for i, m := range out {
			held[i], holders[i] = m.Sink.Key, m.ID
		}
		_, err = tx.Exec(ctx, `UPDATE outbox_sinks s SET lease_until = $3, holder = v.id
			FROM unnest($1::text[], $2::bigint[]) AS v(sink_key, id) WHERE s.sink_key = v.sink_key`, held, holders, until)
		return err
	})
	if err != nil {
		return nil, translate(err, "claim")
	}
	slices.SortFunc(out, func(a, b outbox.Message) int { return cmp.Compare(a.ID, b.ID) })
	return nonNil(out), nil
}

// classSQL is the slow flag a class selects: nil for every sink.
func classSQL(class string) (*bool, error) {
	switch class {
	case outbox.ClassAny:
		return nil, nil
	case outbox.ClassFast, outbox.ClassSlow:
		slow := class == outbox.ClassSlow
		return &slow, nil
	}
	return nil, fmt.Errorf("claim: sink class %q is not one of fast, slow or empty", class)
}

// Renew extends the leases the held messages still hold (see store.Outbox).
func (s *Store) Renew(ctx context.Context, now time.Time, lease time.Duration, held []outbox.Held) (int, error) {
	if len(held) == 0 {
		return 0, nil
	}
	ids, claims := make([]int64, len(held)), make([]int64, len(held))
	for i, h := range held {
		ids[i], claims[i] = h.ID, h.Claim
	}
	tag, err := s.pool.Exec(ctx, `UPDATE outbox_sinks s SET lease_until = greatest(s.lease_until, $1)
		FROM unnest($2::bigint[], $3::bigint[]) AS h(id, claim)
		JOIN outbox o ON o.id = h.id AND o.claims = h.claim AND o.delivered_at IS NULL AND NOT o.dead
		WHERE s.sink_key = o.sink_key AND s.holder = h.id`, ts(now.Add(lease)), ids, claims)
	if err != nil {
		return 0, translate(err, "renew leases")
	}
	return int(tag.RowsAffected()), nil
}

func scanMessage(row pgx.CollectableRow) (outbox.Message, error) {
	var m outbox.Message
	err := row.Scan(&m.ID, &m.ReleaseID, &m.Service, &m.Target, &m.Kind, &m.Summary, &m.Severity, &m.Details,
		&m.Sink.PolicyVersion, &m.Sink.Index, &m.Sink.Kind, &m.Sink.Key, &m.Attempts, &m.CreatedAt, &m.Claim)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// Delivered marks a message delivered at at and frees its sink.
func (s *Store) Delivered(ctx context.Context, id, claim int64, at time.Time) error {
	return s.record(ctx, id, claim, at, &sinkClass{}, `UPDATE outbox SET delivered_at = $3
		WHERE id = $1 AND claims = $2 AND delivered_at IS NULL AND NOT dead RETURNING sink_key`, "mark delivered")
}

// Retry records a failed attempt and frees the sink: the message is due
// again at f.Next, or dead (kept for inspection and a manual retry).
func (s *Store) Retry(ctx context.Context, id, claim int64, f outbox.Failure) error {
	class := &sinkClass{failed: true, slow: f.Slow}
	if f.Interrupted {
		class = nil
	}
	return s.record(ctx, id, claim, f.At, class, `UPDATE outbox SET attempts = $4, next_attempt_at = $5, last_error = $6, dead = $7,
			dead_at = CASE WHEN $7 THEN $3::timestamptz END
		WHERE id = $1 AND claims = $2 AND delivered_at IS NULL AND NOT dead RETURNING sink_key`, "retry",
		f.Attempts, ts(f.Next), f.Err, f.Dead)
}

// sinkClass is what an outcome says of its sink: the attempt failed, and
// if so whether it hung.
type sinkClass struct{ failed, slow bool }

// record runs an outcome update (which returns the sink key) under the
// claim, then frees the sink if this message still holds it, setting its
// class (nil keeps it). It locks the sink row before the message row, in
// the order Claim takes them, so a claimer and a late recorder never
// deadlock.
func (s *Store) record(ctx context.Context, id, claim int64, at time.Time, class *sinkClass, sql, what string, args ...any) error {
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		var key string
		err := tx.QueryRow(ctx, `SELECT s.sink_key FROM outbox o JOIN outbox_sinks s ON s.sink_key = o.sink_key
			WHERE o.id = $1 FOR UPDATE OF s`, id).Scan(&key)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
		}
		if err != nil {
			return err
		}
		err = tx.QueryRow(ctx, sql, append([]any{id, claim, ts(at)}, args...)...).Scan(&key)
		if errors.Is(err, pgx.ErrNoRows) {
			return s.lostClaim(ctx, tx, id, claim)
		}
		if err != nil {
			return err
		}
		var slow, ok *bool
		if class != nil {
			slow, ok = &class.slow, new(!class.failed)
		}
		_, err = tx.Exec(ctx, `UPDATE outbox_sinks SET lease_until = $2, holder = NULL, slow = coalesce($4, slow), ok = coalesce($5, ok)
			WHERE sink_key = $1 AND holder = $3`, key, ts(at), id, slow, ok)
		return err
	})
	return translate(err, what)
}

// lostClaim says why an outcome matched no row.
func (s *Store) lostClaim(ctx context.Context, q querier, id, claim int64) error {
	var claims int64
	err := q.QueryRow(ctx, `SELECT claims FROM outbox WHERE id = $1`, id).Scan(&claims)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("outbox message %d: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("outbox message %d, claim %d (now %d): %w", id, claim, claims, outbox.ErrLeaseLost)
}

// NotifySink returns the sink a message refers to, from the policy version
// it names; ErrNotFound when that version or index does not exist.
func (s *Store) NotifySink(ctx context.Context, service string, ref outbox.SinkRef) (judge.Sink, error) {
	if ref.Index < 0 { // PostgreSQL would count a negative index from the end
		return judge.Sink{}, fmt.Errorf("sink %d of policy %s v%d: %w: %w", ref.Index, service, ref.PolicyVersion, outbox.ErrNoSink, store.ErrNotFound)
	}
	var doc []byte
	err := s.pool.QueryRow(ctx, `SELECT document -> 'notify' -> $3::integer FROM policies WHERE service = $1 AND version = $2`,
		service, ref.PolicyVersion, ref.Index).Scan(&doc)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return judge.Sink{}, translate(err, "notify sink")
	}
	if len(doc) == 0 || string(doc) == "null" {
		return judge.Sink{}, fmt.Errorf("sink %d of policy %s v%d: %w: %w", ref.Index, service, ref.PolicyVersion, outbox.ErrNoSink, store.ErrNotFound)
	}
	var sink judge.Sink
	if err := json.Unmarshal(doc, &sink); err != nil {
		return judge.Sink{}, fmt.Errorf("decode sink %d of policy %s v%d: %w", ref.Index, service, ref.PolicyVersion, err)
	}
	return sink, nil
}
