// Package postgres is the PostgreSQL store: pgx/v5 connection pool, goose
// migrations embedded in the binary, and pgconn error codes translated into
// the store package's sentinel errors.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canaryjudge/canaryjudge/store"
)

// DefaultConnectTimeout bounds each connection attempt when the URL sets none.
const DefaultConnectTimeout = 5 * time.Second

// Store is a store.Full on PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
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
	return &Store{pool: pool}, nil
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

// translate maps PostgreSQL error codes onto store sentinels.
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505", "23P01", "40001", "40P01", "55P03":
			return fmt.Errorf("%s: %s: %w", what, pg.Message, store.ErrConflict)
		case "23503":
			return fmt.Errorf("%s: %s: %w", what, pg.Message, store.ErrNotFound)
		}
	}
	if pgconn.SafeToRetry(err) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", what, oneLine(err), store.ErrUnavailable)
	}
	return fmt.Errorf("%s: %w", what, err)
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
