// Package outbox holds the transactional outbox's message type and the
// vocabulary the decision path, the stores and the dispatcher share. It is
// a leaf: it imports only the domain core (judge), so the stores can keep
// messages without importing the HTTP delivery code in notify.
//
// A message does not carry its sink. It names it by reference (the policy
// version it was written under and the sink's index in that version's
// notify list), and the dispatcher resolves the reference when it delivers.
// So webhook secrets, PagerDuty routing keys and Slack URLs live only in the
// policy, never in outbox rows.
package outbox

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Message kinds.
const (
	KindPage    = "page"    // open (or re-trigger) an incident: every escalate and halt
	KindResolve = "resolve" // close it: an override resolved the release
	KindInfo    = "info"    // for humans only; never sent to PagerDuty
)

// Sink kinds, the values of judge.Sink.Kind.
const (
	SinkWebhook   = "webhook"
	SinkPagerDuty = "pagerduty"
	SinkSlack     = "slack"
)

// Severities, PagerDuty's four.
const (
	SeverityCritical = "critical"
	SeverityError    = "error"
	SeverityWarning  = "warning"
	SeverityInfo     = "info"
)

// Delivery states of a message, the values of Entry.State and Query.State.
const (
	StatePending   = "pending"   // not delivered yet: due, waiting for a retry, or in flight
	StateDelivered = "delivered" // the sink accepted it (or it was filtered out)
	StateDead      = "dead"      // given up after the retry budget or a permanent failure
)

// States lists every state, in lifecycle order.
var States = []string{StatePending, StateDelivered, StateDead}

// ErrNoSink is wrapped by a store's NotifySink error when the reference
// names no sink: no such policy version, or no sink at that index.
var ErrNoSink = errors.New("no such sink")

// ErrLeaseLost is returned (wrapped) when an outcome is recorded under a
// claim that is no longer current: the lease expired and another claimer
// took the message, or it is already delivered or dead. The outcome is not
// recorded.
var ErrLeaseLost = errors.New("outbox claim is no longer current")

// SinkRef names one sink of one policy version.
type SinkRef struct {
	PolicyVersion int    `json:"policy_version"`
	Index         int    `json:"index"` // position in the policy's notify list
	Kind          string `json:"kind"`  // webhook | pagerduty | slack (not secret; for metrics and listing)
	// Key identifies the destination across policy versions and services
	// (see KeyOf). Delivery is fair per Key, and ordered per release and Key.
	Key string `json:"-"`
}

// RefOf makes the reference to sink s, the index-th sink of policy version v.
func RefOf(v, index int, s judge.Sink) SinkRef {
	return SinkRef{PolicyVersion: v, Index: index, Kind: s.Kind, Key: KeyOf(s)}
}

// KeyOf is the identity of a sink's destination: the hex SHA-256 of its
// kind, URL and routing key, each followed by a newline. Two sinks with the
// same key deliver to the same place (the webhook secret does not change
// where a message goes, so it is not part of it). The digest keeps URLs
// and routing keys out of the outbox; migration 00007 computes the same
// value in SQL.
func KeyOf(s judge.Sink) string {
	h := sha256.New()
	for _, part := range []string{s.Kind, s.URL, s.RoutingKey} {
		h.Write([]byte(part))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Message is one outbox row to deliver to one sink.
type Message struct {
	ID        int64           `json:"id"`
	ReleaseID string          `json:"release_id"`
	Service   string          `json:"service"`
	Target    string          `json:"target"`
	Kind      string          `json:"kind"`     // page | resolve | info
	Summary   string          `json:"summary"`  // one line for humans
	Severity  string          `json:"severity"` // critical | error | warning | info
	Details   json.RawMessage `json:"details,omitempty"`
	Sink      SinkRef         `json:"sink"`
	Attempts  int             `json:"attempts"` // deliveries already tried
	CreatedAt time.Time       `json:"created_at"`
	// Claim identifies the claim that handed the message out (set by
	// Claim, ignored by Enqueue); outcomes are recorded only under it.
	Claim int64 `json:"-"`
}

// Failure is one failed delivery attempt to record.
type Failure struct {
	Attempts int       // attempts so far, this one included
	At       time.Time // when the attempt ended: the sink is free again from then
	Next     time.Time // due again at (ignored when Dead)
	Err      string    // why, for the listing and the logs
	Dead     bool      // give up: kept for inspection and a manual retry
	// Slow says the attempt hung: it ran past the dispatcher's fast budget
	// before failing. The sink is then claimed only as ClassSlow until an
	// attempt to it succeeds or fails fast.
	Slow bool
	// Interrupted says the attempt was cut short by the dispatcher (shutdown,
	// or the store failing under it), not by the sink: the sink keeps its
	// class. The caller leaves Attempts as it was.
	Interrupted bool
}

// Sink classes a claim asks for (ClaimRequest.Class). A dispatcher keeps
// separate slots for each, so sinks that hang never hold the slots of
// sinks that answer.
const (
	ClassAny  = ""     // every idle sink
	ClassFast = "fast" // sinks whose last attempt did not hang (new sinks too)
	ClassSlow = "slow" // sinks whose last failed attempt hung (Failure.Slow)
)

// AnsweredHeadStart is how much longer than it has a sink whose last
// attempt succeeded counts as idle when sinks are ordered for a claim: a
// sink that answers is not kept behind sinks never tried yet (which may all
// hang), and a new sink waits at most this much longer than it would.
const AnsweredHeadStart = 5 * time.Second

// ClaimRequest asks for up to Limit due messages, at most one per idle
// sink of Class, leasing each sink until Now+Lease.
type ClaimRequest struct {
	Now   time.Time
	Limit int
	Lease time.Duration
	Class string // ClassAny, ClassFast or ClassSlow
}

// Held names a message a dispatcher holds under its claim: what Renew
// extends.
type Held struct {
	ID, Claim int64
}

// Entry is a message with its delivery state, as listed for operators.
type Entry struct {
	Message
	State         string     `json:"state"` // pending | delivered | dead
	LastError     string     `json:"last_error,omitempty"`
	NextAttemptAt *time.Time `json:"next_attempt_at,omitempty"` // pending only
	DeliveredAt   *time.Time `json:"delivered_at,omitempty"`
	DeadAt        *time.Time `json:"dead_at,omitempty"`
}

// Query selects outbox entries, newest (highest id) first.
type Query struct {
	State    string   // one of States; empty means any
	Service  string   // empty means every service
	Services []string // when not empty, only messages of these services
	Limit    int      // <= 0 means no limit
	BeforeID int64    // keyset: only ids below it; 0 means from the newest
}

// Backlog summarises what is left to deliver.
type Backlog struct {
	Pending       int        // not delivered and not dead
	Dead          int        // given up
	OldestPending *time.Time // CreatedAt of the oldest pending message
}
