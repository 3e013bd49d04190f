package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/postgres"
	"github.com/canaryjudge/canaryjudge/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Full, func(*testing.T) store.Full) {
		url := pgtest.URL(t)
		open := func(t *testing.T) store.Full {
			s, err := postgres.Open(context.Background(), url)
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			t.Cleanup(s.Close)
			return s
		}
		// A second replica is a second pool on the same database.
		return open(t), open
	})
}

// TestMigrationsRoundTrip applies every migration, rolls each back, and
// applies them again on a real server; status reflects each step.
func TestMigrationsRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := postgres.Open(ctx, pgtest.EmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m, err := s.Migrator()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	n, err := m.Up(ctx)
	if err != nil || n == 0 {
		t.Fatalf("up: applied %d, err %v", n, err)
	}
	assertApplied(t, m, n)
	if h, err := s.Health(ctx); err != nil || !h.SchemaCurrent {
		t.Fatalf("health after up: %+v %v", h, err)
	}
	for i := n; i > 0; i-- {
		if _, err := m.Down(ctx); err != nil {
			t.Fatalf("down #%d: %v", n-i+1, err)
		}
	}
	assertApplied(t, m, 0)
	if h, err := s.Health(ctx); err != nil || h.SchemaCurrent || !strings.Contains(h.Detail, "pending") {
		t.Fatalf("health after down: %+v %v", h, err)
	}
	if again, err := m.Up(ctx); err != nil || again != n {
		t.Fatalf("up again: applied %d of %d, err %v", again, n, err)
	}
	assertApplied(t, m, n)
	if _, err := s.PutPolicy(ctx, "svc", storetestPolicy(), 0, "", time.Now()); err != nil {
		t.Fatalf("schema unusable after round trip: %v", err)
	}
}

func assertApplied(t *testing.T, m *postgres.Migrator, want int) {
	t.Helper()
	st, err := m.Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, x := range st {
		if x.Applied {
			got++
		}
		if x.Name == "" || x.Version == 0 {
			t.Fatalf("status row without name/version: %+v", x)
		}
	}
	if got != want {
		t.Fatalf("%d migrations applied, want %d (status %+v)", got, want, st)
	}
}

func TestOpenUnreachable(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://nobody@127.0.0.1:1/none?connect_timeout=2")
	if err == nil {
		t.Fatal("Open of a closed port succeeded")
	}
	if strings.Contains(err.Error(), "\n") || !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Fatalf("error should be one line naming the server: %q", err)
	}
}
