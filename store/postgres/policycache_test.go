package postgres_test

import (
	"context"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// TestPolicyDocumentReadOncePerVersion: a replica reads a policy version's
// document once; a release's later units and its service's other reads
// get the version without it. A version another replica writes, and a
// release whose id now names another service, are read afresh: the
// cache's hints never give a unit a policy that is not the newest of its
// release's service.
func TestPolicyDocumentReadOncePerVersion(t *testing.T) {
	ctx := context.Background()
	url := pgtest.URL(t)
	open := func() *postgres.Store {
		s, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		return s
	}
	a, b := open(), open()
	seed(t, a, "r1", "r2") // payments v1; a read it to create the releases
	policyOf := func(s *postgres.Store, id string) store.PolicyRecord {
		t.Helper()
		var rec store.PolicyRecord
		if err := s.InRelease(ctx, id, func(tx store.ReleaseTx) error {
			var err error
			rec, err = tx.Policy(ctx)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	read := func(s *postgres.Store, want int64, when string) {
		t.Helper()
		if got := postgres.PolicyDocsRead(s); got != want {
			t.Fatalf("%s: %d policy documents read, want %d", when, got, want)
		}
	}
	read(a, 1, "creating two releases")
	for range 3 {
		if rec := policyOf(a, "r1"); rec.Version != 1 || rec.Policy.Metrics[0].Name != "m" {
			t.Fatalf("r1 got v%d %+v", rec.Version, rec.Policy.Metrics)
		}
	}
	policyOf(a, "r2")
	if _, err := a.GetPolicy(ctx, "payments"); err != nil {
		t.Fatal(err)
	}
	read(a, 1, "4 units and a read of v1")

	// Another replica writes v2: a's next unit reads it, then holds it.
	p2 := judge.Policy{Mode: judge.ModeDefault, Metrics: []judge.Metric{{Name: "latency", Group: "g", Direction: judge.DirIncrease}}}
	if _, err := b.PutPolicy(ctx, "payments", p2, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	if rec := policyOf(a, "r1"); rec.Version != 2 || rec.Policy.Metrics[0].Name != "latency" {
		t.Fatalf("after b wrote v2, a's unit got v%d %+v", rec.Version, rec.Policy.Metrics)
	}
	policyOf(a, "r2")
	read(a, 2, "v2 from another replica, then a unit")

	// r2's id now names a release of another service whose newest version
	// is also 2: the hint names payments, so the document comes.
	for range 2 {
		if _, err := b.PutPolicy(ctx, "search", judge.Policy{Mode: judge.ModeDefault, Metrics: []judge.Metric{{Name: "qps", Group: "g", Direction: judge.DirDecrease}}}, 0, "", t0); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.Pool().Exec(ctx, `UPDATE releases SET service = 'search' WHERE id = 'r2'`); err != nil {
		t.Fatal(err)
	}
	if rec := policyOf(a, "r2"); rec.Service != "search" || rec.Version != 2 || rec.Policy.Metrics[0].Name != "qps" {
		t.Fatalf("r2, now of search, got %s v%d %+v", rec.Service, rec.Version, rec.Policy.Metrics)
	}
	read(a, 3, "a release of another service")
}
