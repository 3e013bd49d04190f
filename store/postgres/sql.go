package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/canaryjudge/canaryjudge/judge"
)

// querier is what the pool and a transaction have in common, so that reads
// can run either inside a unit of work or on their own.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// Advisory transaction locks use the two-int4 form, whose key space is
// separate from goose's single-bigint migration lock. The first key names
// what is locked.
const (
	// lockFleetCapSQL serialises rollback-cap checks fleet-wide: count and
	// the decision that follows are atomic across requests and replicas.
	lockFleetCapSQL = `SELECT pg_advisory_xact_lock(1667891201, 0)` // 0x636a0001
	// lockIdemSQL serialises requests carrying the same idempotency
	// scope and key ($1, $2).
	lockIdemSQL = `SELECT pg_advisory_xact_lock(1667891202, hashtext($1 || E'\n' || $2))` // 0x636a0002
)

// ts is how every timestamp is stored: UTC, truncated to microseconds.
func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// utcPtr normalises a scanned nullable timestamp.
func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := t.UTC()
	return &v
}

// rawJSON passes raw JSON to a json or jsonb parameter; empty means SQL
// NULL. As json.RawMessage, pgx's JSON codec writes the bytes into the
// message as they are (a string would be copied once more).
func rawJSON(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}

// encodeJSON marshals v for a json or jsonb column.
func encodeJSON(v any, what string) (json.RawMessage, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", what, err)
	}
	return b, nil
}

// encodedOnce is enc, v's encoding when the caller already made it (the
// engine encodes a result and a decision once for all their uses), else
// v encoded here.
func encodedOnce(enc []byte, v any, what string) (json.RawMessage, error) {
	if enc != nil {
		return enc, nil
	}
	return encodeJSON(v, what)
}

// nonNil keeps JSON encodings of empty lists as [] rather than null.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func validState(s judge.State) error {
	if !slices.Contains(judge.States, s) {
		return fmt.Errorf("release state %q is not one of %v", s, judge.States)
	}
	return nil
}
