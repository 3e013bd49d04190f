package pgtest

import (
	"context"
	"errors"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// Cluster is a PostgreSQL server of one test's own, which the test may
// stop and start again (same port, same data): for outage tests. It
// always runs from the local binaries, never DATABASE_URL's server.
type Cluster struct {
	c *local
}

// NewCluster starts a cluster for t, removed when t ends. It skips (or,
// with CI=true, fails) when no PostgreSQL binaries are installed.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := newLocal(ctx)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("pgtest: cannot start a cluster of the test's own: %v", err)
		}
		t.Skipf("pgtest: cannot start a cluster of the test's own (install postgresql): %v", err)
	}
	t.Cleanup(c.remove)
	return &Cluster{c: c}
}

// URL creates a database, migrates it and returns its URL.
func (c *Cluster) URL(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	name := "cj_outage"
	if err := execURL(ctx, c.c.url("postgres"), "CREATE DATABASE "+name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	u := c.c.url(name)
	s, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatalf("pgtest: open: %v", err)
	}
	defer s.Close()
	m, err := s.Migrator()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("pgtest: migrate: %v", err)
	}
	return u
}

// Stop stops the server at once, as `pg_ctl stop -m immediate` does: every
// connection is cut, nothing is checkpointed (a restart recovers).
func (c *Cluster) Stop() { c.c.stop(syscall.SIGQUIT) }

// Start starts the stopped server again and waits until it answers.
func (c *Cluster) Start(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c.c.mu.Lock()
	running := c.c.srv != nil
	c.c.mu.Unlock()
	if running {
		t.Fatal(errors.New("pgtest: Start of a running cluster"))
	}
	if err := c.c.start(ctx); err != nil {
		t.Fatalf("pgtest: restart: %v", err)
	}
}
