// Package storetest is the conformance suite every store.Store passes: the
// PostgreSQL store on a real server and the in-memory store, with the same
// assertions, so that the embedded default behaves like production.
package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Factory returns a fresh, empty store for one test, and a function that
// opens another handle on the same data, as a second replica would (for
// PostgreSQL a second pool on the same database; for the memory store the
// same store again).
type Factory func(t *testing.T) (s store.Full, replica func(t *testing.T) store.Full)

// Run runs the whole suite against stores made by newStore.
func Run(t *testing.T, newStore Factory) {
	one := func(t *testing.T) store.Full { s, _ := newStore(t); return s }
	tests := []struct {
		name string
		run  func(t *testing.T, s store.Full)
	}{
		{"Health", func(t *testing.T, s store.Full) { testHealth(t, s) }},
		{"PolicyVersions", func(t *testing.T, s store.Full) { testPolicyVersions(t, s) }},
		{"PolicyIfMatchRace", func(t *testing.T, s store.Full) { testPolicyIfMatchRace(t, s) }},
		{"ReleaseCreateGet", testReleaseCreateGet},
		{"ReleaseUnknownService", testReleaseUnknownService},
		{"ReleaseOneActive", testReleaseOneActive},
		{"ReleaseCreateRace", testReleaseCreateRace},
		{"ReleaseIdempotentCreate", testReleaseIdempotentCreate},
		{"ReleaseIdempotentCreateRace", testReleaseIdempotentCreateRace},
		{"UnitCommits", testUnitCommits},
		{"UnitRollsBack", testUnitRollsBack},
		{"UnitAbortedByFailedWrite", testUnitAbortedByFailedWrite},
		{"UnitPanics", testUnitPanics},
		{"UnitIdempotent", testUnitIdempotent},
		{"AnalysisSeqAndWindows", testAnalysisSeqAndWindows},
		{"Evidence", testEvidence},
		{"DropEvidence", testDropEvidence},
		{"Freezes", testFreezes},
		{"CountRollbacks", testCountRollbacks},
		{"CountRollbacksGameDay", testCountRollbacksGameDay},
		{"RollbackCapConcurrent", testRollbackCapConcurrent},
		{"SweepLimitAndOrder", testSweepLimitAndOrder},
		{"OutboxLifecycle", testOutboxLifecycle},
		{"OutboxFairness", testOutboxFairness},
		{"OutboxOrderAcrossVersions", testOutboxOrderAcrossVersions},
		{"OutboxNotifySink", testOutboxNotifySink},
		{"OutboxDeadLetters", testOutboxDeadLetters},
		{"OutboxSinkClasses", testOutboxSinkClasses},
		{"OutboxRenew", testOutboxRenew},
		{"OutboxAnsweredHeadStart", testOutboxAnsweredHeadStart},
		{"ReadsRefuseBadText", testReadsRefuseBadText},
		{"VerdictHistory", testVerdictHistory},
		{"Tokens", testTokens},
		{"UnitAbortedByFailedAuditOrEnqueue", testUnitAbortedByFailedAuditOrEnqueue},
		{"ContextCancelled", testContextCancelled},
		{"SchemaRefusals", testSchemaRefusals},
		{"ListReleases", testListReleases},
		{"AuditQuery", testAuditQuery},
		{"AuditInputExact", testAuditInputExact},
		{"LargeDocumentsExact", testLargeDocumentsExact},
		{"KayentaExecutions", testKayentaExecutions},
		{"ListPolicies", testListPolicies},
		{"SweepStale", testSweepStale},
		{"RunCreate", testRunCreate},
		{"RunLease", testRunLease},
		{"RunLifetime", testRunLifetime},
		{"RunListAndSources", testRunListAndSources},
		{"DeleteSource", testDeleteSource},
		{"DeleteSourceRace", testDeleteSourceRace},
		{"Prune", testPrune},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { t.Parallel(); tc.run(t, one(t)) })
	}
	// Two replicas on the same data.
	t.Run("SweepReplicas", func(t *testing.T) { t.Parallel(); testSweepReplicas(t, newStore) })
	t.Run("OutboxClaimReplicas", func(t *testing.T) { t.Parallel(); testOutboxClaimReplicas(t, newStore) })
	t.Run("RunClaimReplicas", func(t *testing.T) { t.Parallel(); testRunClaimReplicas(t, newStore) })
}

var t0 = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func testHealth(t *testing.T, s store.Store) {
	t.Helper()
	h, err := s.Health(context.Background())
	if err != nil {
		t.Fatalf("Health: %v", err)
	}
	if !h.SchemaCurrent {
		t.Fatalf("schema not current on a migrated store: %+v", h)
	}
}

func samplePolicy(mode judge.Mode) judge.Policy {
	return judge.Policy{Mode: mode, Thresholds: judge.Thresholds{Pass: 75, Marginal: 50},
		Metrics: []judge.Metric{{Name: "latency_p99", Group: "latency", Direction: judge.DirIncrease}}}
}

func testPolicyVersions(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.GetPolicy(ctx, "payments"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetPolicy of unknown service: err = %v, want ErrNotFound", err)
	}
	r1, err := s.PutPolicy(ctx, "payments", samplePolicy(judge.ModeDefault), 0, "alice", t0)
	if err != nil {
		t.Fatalf("PutPolicy: %v", err)
	}
	if r1.Version != 1 || r1.Service != "payments" || r1.CreatedBy != "alice" || !r1.CreatedAt.Equal(t0) {
		t.Fatalf("first put = %+v", r1)
	}
	if _, err := s.PutPolicy(ctx, "payments", samplePolicy(judge.ModeKayenta), 5, "bob", t0); !errors.Is(err, store.ErrPrecondition) {
		t.Fatalf("stale If-Match: err = %v, want ErrPrecondition", err)
	}
	r2, err := s.PutPolicy(ctx, "payments", samplePolicy(judge.ModeKayenta), 1, "bob", t0.Add(time.Minute))
	if err != nil || r2.Version != 2 {
		t.Fatalf("matching If-Match: %+v, %v", r2, err)
	}
	got, err := s.GetPolicy(ctx, "payments")
	if err != nil {
		t.Fatalf("GetPolicy: %v", err)
	}
	if got.Version != 2 || got.Policy.Mode != judge.ModeKayenta || len(got.Policy.Metrics) != 1 || got.Policy.Metrics[0].Name != "latency_p99" {
		t.Fatalf("GetPolicy = %+v", got)
	}
}

// testPolicyIfMatchRace: many writers with the same If-Match; exactly one wins.
func testPolicyIfMatchRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	if _, err := s.PutPolicy(ctx, "search", samplePolicy(judge.ModeDefault), 0, "", t0); err != nil {
		t.Fatal(err)
	}
	const n = 12
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.PutPolicy(ctx, "search", samplePolicy(judge.ModeDefault), 1, "", t0)
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrPrecondition):
			t.Errorf("loser error = %v, want ErrPrecondition", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d writers won with the same If-Match, want exactly 1", won)
	}
	if got, _ := s.GetPolicy(ctx, "search"); got.Version != 2 {
		t.Fatalf("version after race = %d, want 2", got.Version)
	}
}
