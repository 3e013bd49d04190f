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
	"github.com/canaryjudge/canaryjudge/outbox"
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
	Outbox
	Runs
	Sources
	Policies
	KayentaExecutions
	Retention
}

// Outbox is the delivery side of the transactional outbox (messages are
// written through ReleaseTx.Enqueue). Claim, Delivered, Retry, NotifySink
// and Backlog are what notify.Dispatcher needs; ListOutbox and Redeliver
// serve operators.
type Outbox interface {
	// Claim hands out up to limit messages, at most one per sink (by
	// SinkRef.Key) and only to sinks with none in flight; it leases each
	// sink until now+lease. A message is claimable when it is pending, due
	// (next attempt <= now) and the oldest pending message of its release
	// to its sink. Sinks idle longest come first (a new sink is idle from
	// its first message; one whose last attempt succeeded counts
	// outbox.AnsweredHeadStart more); within a sink the message due first.
	// Each claim increments Message.Claim. limit <= 0: none.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]outbox.Message, error)
	// ClaimSinks is Claim for one class of sink (req.Class): ClassFast
	// hands out only sinks whose last attempt did not hang, ClassSlow only
	// those whose last failed attempt did (Failure.Slow), ClassAny both.
	ClaimSinks(ctx context.Context, req outbox.ClaimRequest) ([]outbox.Message, error)
	// Renew extends to now+lease the lease of each sink that one of held
	// still holds under its claim (a pending message whose claim is
	// current); it reports how many leases it extended. A holder that stops
	// renewing loses its sink within one lease.
	Renew(ctx context.Context, now time.Time, lease time.Duration, held []outbox.Held) (int, error)
	// Delivered marks a message delivered and frees its sink at at; the
	// sink becomes ClassFast. ErrNotFound for an unknown id;
	// outbox.ErrLeaseLost when claim is not the message's current claim or
	// it is no longer pending.
	Delivered(ctx context.Context, id, claim int64, at time.Time) error
	// Retry records a failed attempt (due again at f.Next, or dead) and
	// frees the sink at f.At; the sink's class becomes ClassSlow when
	// f.Slow, else ClassFast, and stays as it was when f.Interrupted.
	// Errors as Delivered.
	Retry(ctx context.Context, id, claim int64, f outbox.Failure) error
	// NotifySink resolves a message's sink reference against the policy
	// version it names; ErrNotFound when there is no such sink.
	NotifySink(ctx context.Context, service string, ref outbox.SinkRef) (judge.Sink, error)
	// Backlog counts pending and dead messages.
	Backlog(ctx context.Context) (outbox.Backlog, error)
	// ListOutbox returns entries newest first (highest id first).
	ListOutbox(ctx context.Context, q outbox.Query) ([]outbox.Entry, error)
	// Redeliver makes a dead message pending again, due at now with a fresh
	// retry budget, and appends audit (ReleaseID and Service filled from the
	// message, a zero At from now) in the same transaction. ErrNotFound for
	// an unknown id, ErrConflict when the message is not dead.
	Redeliver(ctx context.Context, id int64, now time.Time, audit AuditEntry) (outbox.Entry, error)
}
