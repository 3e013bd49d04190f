// Package postgres is the PostgreSQL store: pgx/v5 connection pool, goose
// migrations embedded in the binary, and pgconn error codes translated into
// the store package's sentinel errors.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// DefaultConnectTimeout bounds each connection attempt when the URL sets none.
const DefaultConnectTimeout = 5 * time.Second

// Store is a store.Full on PostgreSQL.
type Store struct {
	pool     *pgxpool.Pool
	policies *policyCache // decoded policy versions, for units of work
}

var _ store.Full = (*Store)(nil)

// Open connects to databaseURL and checks that the server answers. It does
// not migrate; call Migrator(...).Up for that.
func Open(ctx context.Context, databaseURL string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL is not a valid PostgreSQL URL: %s", oneLine(err))
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database: %s", oneLine(err))
	}
	pctx, cancel := context.WithTimeout(ctx, cfg.ConnConfig.ConnectTimeout+time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("cannot reach database %s:%d/%s: %s: %w",
			cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, oneLine(err), store.ErrUnavailable)
	}
	return &Store{pool: pool, policies: &policyCache{}}, nil
}

// Pool exposes the pool for tests and tools.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Close closes the pool, waiting for connections in use to be released.
func (s *Store) Close() { s.pool.Close() }

// Health pings the server and compares the schema with the embedded
// migrations.
func (s *Store) Health(ctx context.Context) (store.Health, error) {
	h := store.Health{Backend: "postgres"}
	if err := s.pool.Ping(ctx); err != nil {
		return h, fmt.Errorf("ping: %s: %w", oneLine(err), store.ErrUnavailable)
	}
	st, err := s.migrationState(ctx)
	if err != nil {
		return h, err
	}
	h.SchemaVersion, h.SchemaCurrent = st.current, st.pending == 0
	if !h.SchemaCurrent {
		h.Detail = fmt.Sprintf("%d migration(s) pending: database at version %d, binary expects %d", st.pending, st.current, st.latest)
	}
	return h, nil
}

// translate maps PostgreSQL error codes onto store sentinels. Whatever
// says the server cannot be reached or used right now (connection errors,
// timeouts, a shutting-down or overloaded server, a closed pool) is
// ErrUnavailable; a value the schema refuses is a validation error; a
// cancelled context stays context.Canceled.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if _, ok := judge.AsValidation(err); ok || translated(err) {
		return err
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "23505", pg.Code == "23P01", pg.Code == "40001", pg.Code == "40P01", pg.Code == "55P03":
			return fmt.Errorf("%s: %s: %w", what, pg.Message, store.ErrConflict)
		case pg.Code == "23503":
			return fmt.Errorf("%s: %s: %w", what, pg.Message, store.ErrNotFound)
		case pg.Code == "23514":
			return checkViolation(pg)
		case pg.Code == "22021", pg.Code == "22P05":
			return store.ErrText()
		case unavailableCode(pg.Code):
			return fmt.Errorf("%s: %s: %w", what, pg.Message, store.ErrUnavailable)
		}
		return fmt.Errorf("%s: %w", what, err)
	}
	if errors.Is(err, context.Canceled) {
		return fmt.Errorf("%s: %w", what, context.Canceled)
	}
	if unavailable(err) {
		return fmt.Errorf("%s: %s: %w", what, oneLine(err), store.ErrUnavailable)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// translated reports whether err already carries a store sentinel (or a
// lost lease, which the run and outbox methods return as it is).
func translated(err error) bool {
	for _, s := range []error{store.ErrNotFound, store.ErrConflict, store.ErrUnavailable, store.ErrPrecondition,
		store.ErrLeaseLost, outbox.ErrLeaseLost} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// unavailableCode: connection exceptions (08), insufficient resources
// (53), operator intervention such as a shutdown (57P), system errors (58).
func unavailableCode(code string) bool {
	return strings.HasPrefix(code, "08") || strings.HasPrefix(code, "53") ||
		strings.HasPrefix(code, "57P") || strings.HasPrefix(code, "58")
}

// unavailable recognises errors of reaching the server rather than of the
// statement.
func unavailable(err error) bool {
	var (
		connect *pgconn.ConnectError
		netErr  net.Error
	)
	return pgconn.SafeToRetry(err) || pgconn.Timeout(err) || errors.As(err, &connect) || errors.As(err, &netErr) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE)
}

// checkFields maps CHECK constraints to the field they guard.
var checkFields = map[string]string{
	"services_name_check":           "service",
	"releases_auto_rollbacks_check": "auto_rollbacks",
	"releases_state_check":          "state",
	"analyses_verdict_check":        "verdict",
	"analyses_seq_check":            "seq",
	"policies_version_check":        "version",
}

func checkViolation(pg *pgconn.PgError) error {
	field, ok := checkFields[pg.ConstraintName]
	if !ok {
		field = pg.ColumnName
	}
	if field == "" {
		field = "body"
	}
	msg := "refused by the database (" + pg.ConstraintName + ")"
	if field == "service" {
		msg = "must be " + store.NameRule
	}
	return store.Invalid(field, msg)
}

// oneLine keeps an error on one line for logs and exit messages.
func oneLine(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	return string(b)
}
