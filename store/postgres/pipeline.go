package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// A release's unit of work in two round trips.
//
// Deciding on a window used to take ten round trips (BEGIN, the release
// FOR UPDATE, its policy, its windows, the freezes, four inserts and an
// update, COMMIT). A unit of work is now one explicit transaction on one
// connection, as before, but sent in two batches: BEGIN with every read a
// decision needs (the release FOR UPDATE, the service's newest policy, the
// release's running evidence, the freezes, the next analysis seq and ids
// for the analysis and the decision), then every write queued by the unit,
// with COMMIT. A read the unit asks for between them (rebuilding the
// evidence, counting rollbacks for the cap, an idempotency key) first sends
// what is queued, so it sees the unit's own writes, as in any transaction.
// The transaction, its locks and its isolation are the same; only the
// messages travel together.

// pipeline is a querier on one connection whose writes are queued.
type pipeline struct {
	conn   *pgxpool.Conn
	queued *pgx.Batch
}

// Exec queues a write: its error, if any, comes from flush (or commit).
func (p *pipeline) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	p.queued.Queue(sql, args...)
	return pgconn.CommandTag{}, nil
}

func (p *pipeline) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	if err := p.flush(ctx); err != nil {
		return nil, err
	}
	return p.conn.Query(ctx, sql, args...)
}

func (p *pipeline) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	if err := p.flush(ctx); err != nil {
		return errRow{err}
	}
	return p.conn.QueryRow(ctx, sql, args...)
}

// flush sends the queued writes (and then the extra statements) in one
// batch and returns the first error.
func (p *pipeline) flush(ctx context.Context, extra ...string) error {
	for _, sql := range extra {
		p.queued.Queue(sql)
	}
	n := p.queued.Len()
	if n == 0 {
		return nil
	}
	br := p.conn.SendBatch(ctx, p.queued)
	p.queued = &pgx.Batch{}
	var first error
	for i := range n {
		tag, err := br.Exec()
		if err != nil && first == nil {
			first = err
		}
		// COMMIT of a transaction a failed statement aborted answers
		// ROLLBACK, without an error.
		if i == n-1 && len(extra) > 0 && extra[len(extra)-1] == "COMMIT" && err == nil && tag.String() == "ROLLBACK" && first == nil {
			first = errCommitRolledBack
		}
	}
	if err := br.Close(); err != nil && first == nil {
		first = err
	}
	return first
}

// rollback ends a failed unit; a connection that cannot roll back is
// closed (the pool never hands out one inside a transaction).
func (p *pipeline) rollback() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	p.queued = &pgx.Batch{}
	if _, err := p.conn.Exec(ctx, "ROLLBACK"); err != nil {
		_ = p.conn.Conn().Close(ctx)
	}
}

// errCommitRolledBack: COMMIT found the transaction aborted by a failed
// statement (one whose error the unit ignored) and rolled it back.
var errCommitRolledBack = errors.New("commit: the transaction was aborted by a failed write and rolled back")

// errRow is a pgx.Row that only reports err.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

// prefetch is what the first batch read for the unit.
type prefetch struct {
	policy    store.PolicyRecord
	policyErr error
	evidence  *store.Evidence
	// evidenceSaved: the unit saved evidence, which is read back from the
	// table from then on (this unit's write included).
	evidenceSaved bool
	freezes       []judge.Freeze
	seq           int   // the next analysis seq
	analysis      int64 // ids reserved for the unit's first analysis and decision
	decision      int64
}

// begin starts a release's unit of work on conn: BEGIN and every read a
// decision needs, in one batch. The release row is locked FOR UPDATE
// before anything else is read.
func begin(ctx context.Context, conn *pgxpool.Conn, id string, cache *policyCache) (*releaseTx, error) {
	const svc = `(SELECT service FROM releases WHERE id = $1)`
	b := &pgx.Batch{}
	b.Queue("BEGIN")
	b.Queue(`SELECT `+releaseCols+` FROM releases WHERE id = $1 FOR UPDATE`, id)
	h := cache.releaseHint(id)
	b.Queue(`SELECT `+policyColsHinted+` FROM policies WHERE service = `+svc+` ORDER BY version DESC LIMIT 1`, id, h.service, h.version)
	b.Queue(`SELECT policy_version, windows, state, extremes FROM release_evidence WHERE release_id = $1`, id)
	b.Queue(`SELECT `+freezeCols+` FROM freezes WHERE scope IN ('global', 'service:' || `+svc+`)`, id)
	b.Queue(`SELECT (SELECT coalesce(max(seq), 0) + 1 FROM analyses WHERE release_id = $1),
		nextval(pg_get_serial_sequence('analyses', 'id')), nextval(pg_get_serial_sequence('decisions', 'id'))`, id)
	br := conn.SendBatch(ctx, b)
	t, err := readPrefetch(br, id, cache, h)
	if cerr := br.Close(); err == nil && cerr != nil {
		err = translate(cerr, "release "+id)
	}
	if err != nil {
		return nil, err
	}
	t.q = &pipeline{conn: conn, queued: &pgx.Batch{}}
	return t, nil
}

func readPrefetch(br pgx.BatchResults, id string, cache *policyCache, h policyHint) (*releaseTx, error) {
	if _, err := br.Exec(); err != nil {
		return nil, translate(err, "begin")
	}
	r, err := scanRelease(br.QueryRow())
	if noRows(err) {
		return nil, fmt.Errorf("release %q: %w", id, store.ErrNotFound)
	}
	if err != nil {
		return nil, translate(err, "lock release")
	}
	cache.noteRelease(r.ID, r.Service)
	pre := &prefetch{}
	pre.policy, pre.policyErr = scanPolicyCached(br.QueryRow(), r.Service, cache, h)
	var ev store.Evidence
	switch err := br.QueryRow().Scan(&ev.PolicyVersion, &ev.Windows, &ev.State, &ev.Extremes); {
	case err == nil:
		pre.evidence = &ev
	case !noRows(err):
		return nil, translate(err, "evidence")
	}
	rows, err := br.Query()
	if err != nil {
		return nil, translate(err, "freezes")
	}
	if pre.freezes, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (judge.Freeze, error) { return scanFreeze(row) }); err != nil {
		return nil, translate(err, "freezes")
	}
	if err := br.QueryRow().Scan(&pre.seq, &pre.analysis, &pre.decision); err != nil {
		return nil, translate(err, "reserve ids")
	}
	return &releaseTx{rel: r, pre: pre}, nil
}

// freezeAt is the freeze in force at now among fs (global preferred), nil
// if none: freezeFor's choice, made in Go.
func freezeAt(fs []judge.Freeze, now time.Time) *judge.Freeze {
	var pick *judge.Freeze
	for i := range fs {
		f := fs[i]
		if f.ExpiresAt != nil && !f.ExpiresAt.After(now) {
			continue
		}
		if pick == nil || f.Scope == "global" {
			pick = &f
		}
	}
	return pick
}

// noRows reports whether err is pgx's "no rows".
func noRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
