package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/canaryjudge/canaryjudge/migrations"
)

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Migrator applies the embedded migrations. Several replicas may start at
// once: a PostgreSQL advisory session lock serialises them.
type Migrator struct {
	db       *sql.DB
	provider *goose.Provider
}

// Migrator returns a migrator over this store's pool. Close it when done.
func (s *Store) Migrator() (*Migrator, error) {
	db := stdlib.OpenDBFromPool(s.pool)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{db: db, provider: p}, nil
}

// Close releases the migrator's connection handle (not the pool).
func (m *Migrator) Close() error { return m.db.Close() }

// Up applies every pending migration and returns how many ran.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %s", oneLine(err))
	}
	return len(res), nil
}

// Down rolls back the newest applied migration.
func (m *Migrator) Down(ctx context.Context) (MigrationStatus, error) {
	res, err := m.provider.Down(ctx)
	if err != nil {
		return MigrationStatus{}, fmt.Errorf("migrate down: %s", oneLine(err))
	}
	return MigrationStatus{Version: res.Source.Version, Name: baseName(res.Source.Path)}, nil
}

// Status lists every embedded migration in order.
func (m *Migrator) Status(ctx context.Context) ([]MigrationStatus, error) {
	st, err := m.provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %s", oneLine(err))
	}
	out := make([]MigrationStatus, len(st))
	for i, s := range st {
		out[i] = MigrationStatus{Version: s.Source.Version, Name: baseName(s.Source.Path),
			Applied: s.State == goose.StateApplied, AppliedAt: s.AppliedAt}
	}
	return out, nil
}

type migrationState struct{ current, latest, pending int64 }

func (s *Store) migrationState(ctx context.Context) (migrationState, error) {
	m, err := s.Migrator()
	if err != nil {
		return migrationState{}, err
	}
	defer m.Close()
	st, err := m.Status(ctx)
	if err != nil {
		return migrationState{}, err
	}
	var ms migrationState
	for _, x := range st {
		ms.latest = max(ms.latest, x.Version)
		if x.Applied {
			ms.current = max(ms.current, x.Version)
		} else {
			ms.pending++
		}
	}
	return ms, nil
}

func baseName(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '/' {
			return p[i+1:]
		}
	}
	return p
}
