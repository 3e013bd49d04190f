// Package store defines what canaryjudge keeps and the errors its
// implementations translate into. Two implementations exist: postgres (the
// real one) and memory (the embedded default, lost on exit); both pass the
// conformance suite in storetest.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
)

// Errors every implementation returns (possibly wrapped); test with errors.Is.
var (
	ErrNotFound = errors.New("not found")
	// ErrPrecondition: an If-Match version did not match the current one.
	ErrPrecondition = errors.New("precondition failed")
	// ErrConflict: the write conflicts with the current state.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the backing database cannot be reached.
	ErrUnavailable = errors.New("store unavailable")
)

// PolicyRecord is one stored version of a service's policy.
type PolicyRecord struct {
	Service   string       `json:"service"`
	Version   int          `json:"version"`
	Policy    judge.Policy `json:"policy"`
	CreatedAt time.Time    `json:"created_at"`
	CreatedBy string       `json:"created_by,omitempty"`
}

// Health describes whether the store can serve requests.
type Health struct {
	Backend string `json:"backend"` // postgres | memory
	// SchemaCurrent is false when migrations are pending.
	SchemaCurrent bool   `json:"schema_current"`
	SchemaVersion int64  `json:"schema_version"`
	Detail        string `json:"detail,omitempty"`
}

// Store is the whole persistence surface. Consumers should depend on the
// smaller interfaces they need; this one exists for wiring and conformance.
type Store interface {
	// Health reports reachability and schema state; an error means the
	// store cannot be reached at all.
	Health(ctx context.Context) (Health, error)
	// PutPolicy stores a new version of the service's policy, creating the
	// service if needed. ifMatch > 0 requires the current version to equal
	// it (ErrPrecondition otherwise); ifMatch == 0 writes unconditionally.
	// A service name that breaks ValidName is a *judge.ValidationError
	// naming "service". The change is audited ("policy:put", actor by) in
	// the same transaction, without the document (it holds secrets).
	PutPolicy(ctx context.Context, service string, p judge.Policy, ifMatch int, by string, now time.Time) (PolicyRecord, error)
	// GetPolicy returns the newest policy version of a service.
	GetPolicy(ctx context.Context, service string) (PolicyRecord, error)
	Close()
}

// Full is everything a canaryjudge server needs from its store.
type Full interface {
	Store
	Releases
	Freezes
	Tokens
	notify.Outbox
}
