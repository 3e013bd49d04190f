package ui_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// TestDatabaseDown stops PostgreSQL under a running server: every page
// and the JSON report answer 503 with Retry-After (never a 404 or 500),
// with auth on too (the token cannot be checked either), and the same
// server serves them again once PostgreSQL is back.
func TestDatabaseDown(t *testing.T) {
	cl := pgtest.NewCluster(t)
	st, err := postgres.Open(context.Background(), cl.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	s := newSite(t, st, true)
	auth := []string{"Authorization", "Bearer cj_a_token_the_database_would_have_to_check"}
	admin := []string{"Authorization", "Bearer " + adminToken}
	pages := []string{"/ui/", "/ui/releases/" + s.story.RolledBack, "/ui/services/checkout", "/v1/releases/" + s.story.RolledBack + "/report"}
	for _, p := range pages {
		s.get(t, p, admin...).must(t, 200)
	}
	cl.Stop()
	for _, p := range pages {
		for _, hdr := range [][]string{admin, auth} {
			got := s.get(t, p, hdr...)
			if got.status != 503 || got.header.Get("Retry-After") == "" {
				t.Errorf("%s with PostgreSQL down: %d (Retry-After %q), want 503 with Retry-After:\n%.300s", p, got.status,
					got.header.Get("Retry-After"), got.body)
			}
			if strings.HasPrefix(p, "/ui/") && hdr[1] == admin[1] && !strings.Contains(got.body, "database cannot be reached") {
				t.Errorf("%s: the page does not say the database is down", p)
			}
		}
	}
	cl.Start(t)
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range pages {
		for s.get(t, p, admin...).status != 200 {
			if time.Now().After(deadline) {
				t.Fatalf("%s is not 200 again after PostgreSQL came back", p)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
}
