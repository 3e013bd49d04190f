// Package memory is the embedded default store: everything lives in this
// process and is lost on exit. It mirrors the PostgreSQL store's semantics
// (proven by the shared conformance suite) so that the service does its
// whole job without a database.
package memory

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Store is an in-memory store.Full.
//
// Two mutexes, always taken in this order:
//   - work is held for the whole of every unit of work (InRelease and each
//     release of SweepStuck). Units therefore run one at a time, which is
//     what makes the rollback cap's count-then-decide atomic (PostgreSQL: an
//     advisory transaction lock) and the sweeper's take-once guarantee
//     (PostgreSQL: FOR UPDATE SKIP LOCKED).
//   - mu guards the data and is held only briefly, by every method. A unit
//     stages its writes privately and applies them all under mu when fn
//     returns nil, so nobody ever sees half a unit, and fn may still read
//     through the Store (as it may in PostgreSQL) without deadlocking.
//
// fn must not start another unit of work (InRelease, SweepStuck): it would
// wait for itself.
type Store struct {
	work sync.Mutex
	mu   sync.Mutex

	policies  map[string][]store.PolicyRecord // service -> versions, oldest first
	releases  map[string]store.Release
	analyses  map[string][]store.Analysis       // release -> analyses, seq order
	decisions map[string][]store.DecisionRecord // release -> decisions, id order
	owner     map[int64]string                  // analysis id -> release id
	rollbacks []rollbackMark                    // automatic rollback decisions, for the cap
	audit     []store.AuditEntry                // id order
	outbox    []*outboxRow                      // id order
	sinks     map[string]*sinkRow               // sink key -> lease (outbox_sinks)
	freezes   map[string]judge.Freeze           // scope -> freeze
	idem      map[idemKey]store.StoredResponse
	idemAt    map[idemKey]time.Time        // when each was stored (PostgreSQL: created_at DEFAULT now())
	tokens    map[string]store.Token       // hash -> token
	runs      map[string]store.Run         // scheduled runs (runs.go)
	runWins   map[string][]store.RunWindow // run -> window records, seq order
	sources   map[string]store.SourceRecord
	kayenta   map[string]store.KayentaExecution
	evidence  map[string]store.Evidence // release -> running evidence (release_evidence)
	seq       struct{ analysis, decision, audit, outbox int64 }
}

type rollbackMark struct {
	service string
	at      time.Time
}

type idemKey struct{ scope, key string }

var _ store.Full = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{
		policies:  map[string][]store.PolicyRecord{},
		releases:  map[string]store.Release{},
		analyses:  map[string][]store.Analysis{},
		decisions: map[string][]store.DecisionRecord{},
		owner:     map[int64]string{},
		freezes:   map[string]judge.Freeze{},
		idem:      map[idemKey]store.StoredResponse{},
		idemAt:    map[idemKey]time.Time{},
		tokens:    map[string]store.Token{},
		runs:      map[string]store.Run{},
		runWins:   map[string][]store.RunWindow{},
		sources:   map[string]store.SourceRecord{},
		kayenta:   map[string]store.KayentaExecution{},
		evidence:  map[string]store.Evidence{},
	}
}

// next allocates the next id of a sequence (like bigserial: ids of rolled
// back units are not reused). Callers hold mu.
func next(seq *int64) int64 {
	*seq++
	return *seq
}

// Health always reports a current schema: there is none to migrate.
func (s *Store) Health(ctx context.Context) (store.Health, error) {
	return store.Health{Backend: "memory", SchemaCurrent: true, Detail: "in-memory store: data is lost on exit"}, nil
}

// PutPolicy appends a policy version and its audit entry.
func (s *Store) PutPolicy(ctx context.Context, service string, p judge.Policy, ifMatch int, by string, now time.Time) (store.PolicyRecord, error) {
	if err := ctx.Err(); err != nil {
		return store.PolicyRecord{}, err
	}
	if !store.ValidName(service) {
		return store.PolicyRecord{}, store.Invalid("service", "must be "+store.NameRule)
	}
	if !store.CleanText(by) {
		return store.PolicyRecord{}, store.ErrText()
	}
	stored, err := viaJSON(p, "policy")
	if err != nil {
		return store.PolicyRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	versions := s.policies[service]
	cur := len(versions)
	if ifMatch > 0 && ifMatch != cur {
		return store.PolicyRecord{}, fmt.Errorf("policy of %q is at version %d, not %d: %w", service, cur, ifMatch, store.ErrPrecondition)
	}
	rec := store.PolicyRecord{Service: service, Version: cur + 1, Policy: p, CreatedAt: ts(now), CreatedBy: by}
	s.policies[service] = append(versions, store.PolicyRecord{Service: service, Version: rec.Version,
		Policy: stored, CreatedAt: rec.CreatedAt, CreatedBy: by})
	s.appendAudit(store.PolicyAudit(rec))
	return rec, nil
}

// GetPolicy returns the newest policy version.
func (s *Store) GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error) {
	if err := textArgs(service); err != nil {
		return store.PolicyRecord{}, err
	}
	if err := ctx.Err(); err != nil {
		return store.PolicyRecord{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.policyOf(service)
}

// policyOf returns a copy of the newest policy of service. Callers hold mu.
func (s *Store) policyOf(service string) (store.PolicyRecord, error) {
	versions := s.policies[service]
	if len(versions) == 0 {
		return store.PolicyRecord{}, fmt.Errorf("service %q has no policy: %w", service, store.ErrNotFound)
	}
	rec := versions[len(versions)-1]
	rec.Policy = copyJSON(rec.Policy)
	return rec, nil
}

// Close does nothing.
func (s *Store) Close() {}
