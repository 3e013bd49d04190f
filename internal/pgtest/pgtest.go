// Package pgtest gives every test that needs PostgreSQL a fresh, migrated
// database of its own. It finds a server once per test binary (TestMain):
//
//  1. DATABASE_URL, when set (its database is used as the maintenance database);
//  2. a throwaway local cluster started from /usr/lib/postgresql/*/bin
//     (initdb in a temp dir, random port, Unix socket in the temp dir, run as
//     an unprivileged user when the process is root).
//
// It never asks Docker for a PostgreSQL container: machines here have an
// engine but no registry, so a pull would only wait and fail. Tests that
// need the engine (the image, replicas cut off from the database) build
// their images locally and say so.
//
// The migrations are applied once to a template database; each test's
// database is cloned from it, so tests can run in parallel. With CI=true a
// missing server fails the tests; elsewhere they skip with the reason.
//
// NewCluster gives one test a server of its own (from the local binaries)
// that it can stop, as `pg_ctl stop -m immediate` does, and start again
// on the same port: for outage tests.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/store/postgres"
)

const templateDB = "canaryjudge_template"

var (
	adminURL string     // maintenance database URL
	setupErr error      // why no server could be had
	kind     string     // which of the two sources served
	stopFn   func()     // stops what Main started
	cloneMu  sync.Mutex // CREATE DATABASE ... TEMPLATE must not run concurrently
	seq      atomic.Int64
	created  atomic.Int64
)

// Main wraps m.Run: it starts or finds PostgreSQL, prepares the template,
// runs the tests, then stops what it started. Call it from TestMain.
func Main(m *testing.M) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	adminURL, kind, stopFn, setupErr = start(ctx)
	if setupErr == nil {
		setupErr = prepareTemplate(ctx)
	}
	cancel()
	if setupErr != nil && os.Getenv("CI") == "true" {
		fmt.Fprintf(os.Stderr, "pgtest: CI=true but no PostgreSQL for the store tests: %v\n", setupErr)
		if stopFn != nil {
			stopFn()
		}
		os.Exit(1)
	}
	code := m.Run()
	if stopFn != nil {
		stopFn()
	}
	if setupErr == nil {
		fmt.Printf("pgtest: %d test database(s) on real PostgreSQL (%s)\n", created.Load(), kind)
	}
	os.Exit(code)
}

// URL returns the URL of a fresh migrated database for t, dropped when t ends.
func URL(t testing.TB) string {
	t.Helper()
	if setupErr != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: no PostgreSQL: %v", setupErr)
		}
		t.Skipf("pgtest: no PostgreSQL (set DATABASE_URL or install postgresql): %v", setupErr)
	}
	if adminURL == "" {
		t.Fatal("pgtest: Main was not called from TestMain")
	}
	name := fmt.Sprintf("cj_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	cloneMu.Lock()
	err := execAdmin(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, templateDB))
	cloneMu.Unlock()
	if err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	created.Add(1)
	t.Cleanup(func() {
		if err := execAdmin(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)); err != nil {
			t.Logf("pgtest: drop %s: %v", name, err)
		}
	})
	return withDatabase(adminURL, name)
}

// Open returns a store on a fresh migrated database, closed when t ends.
func Open(t testing.TB) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), URL(t))
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// EmptyURL returns a fresh database with no migrations applied.
func EmptyURL(t testing.TB) string {
	t.Helper()
	u := URL(t)
	name := databaseOf(u)
	if err := execURL(context.Background(), u, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
		t.Fatalf("pgtest: empty %s: %v", name, err)
	}
	return u
}

func prepareTemplate(ctx context.Context) error {
	_ = execAdmin(ctx, `DROP DATABASE IF EXISTS `+templateDB+` WITH (FORCE)`)
	if err := execAdmin(ctx, `CREATE DATABASE `+templateDB); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	s, err := postgres.Open(ctx, withDatabase(adminURL, templateDB))
	if err != nil {
		return err
	}
	defer s.Close()
	m, err := s.Migrator()
	if err != nil {
		return err
	}
	defer m.Close()
	_, err = m.Up(ctx)
	return err
}

func execAdmin(ctx context.Context, sql string) error { return execURL(ctx, adminURL, sql) }

func execURL(ctx context.Context, u, sql string) error {
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

func withDatabase(raw, db string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	u.Path = "/" + db
	return u.String()
}

func databaseOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return strings.TrimPrefix(u.Path, "/")
}
