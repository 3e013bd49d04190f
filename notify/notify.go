// Package notify is the delivery side of canaryjudge's transactional outbox.
//
// The decision path writes one outbox row per (notification, sink) in the same
// database transaction as the decision it reports, so a notification exists if and
// only if the decision was committed. A [Dispatcher] claims due rows through the
// [Outbox] interface, delivers each to its sink and records the outcome: delivered,
// retried later with capped exponential backoff and jitter, or dead (given up and kept
// for inspection). Delivery is at least once: a dispatcher that crashes after a send
// but before recording it sends the row again once its lease expires, so receivers
// must deduplicate (webhook: Idempotency-Key; PagerDuty: dedup_key).
//
// Sink kinds ([judge.Sink].Kind):
//
//   - "webhook": a JSON POST of the whole message, signed (below).
//   - "pagerduty": PagerDuty Events API v2. Kind "page" triggers and "resolve"
//     resolves the incident whose dedup_key is the release id; "info" is not sent.
//   - "slack": a Slack incoming webhook with one plain text line.
//
// A sink with a non-empty Events list receives only the message kinds listed there;
// other messages are marked delivered without being sent.
//
// # Webhook signature
//
// Every webhook request carries these headers:
//
//	Content-Type: application/json
//	X-Canaryjudge-Timestamp: 1700000000
//	X-Canaryjudge-Signature: sha256=<64 lowercase hex digits>
//	Idempotency-Key: 42
//
// The signature is the lowercase hex HMAC-SHA256, keyed with the sink's Secret, of the
// bytes of the decimal timestamp, a dot, and the raw request body: "<timestamp>.<body>".
// A receiver recomputes it with [Verify] over the body exactly as received (before any
// JSON decoding), rejects timestamps too far from its own clock (five minutes is usual)
// to stop replays, and deduplicates on Idempotency-Key, which is the outbox row id.
// A sink without a Secret sends no signature header.
package notify

import (
	"context"
	"encoding/json"
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

// Message is one outbox row to deliver.
type Message struct {
	ID        int64
	ReleaseID string
	Service   string
	Target    string
	Kind      string          // "page" (trigger), "resolve", "info"
	Summary   string          // one line for humans
	Severity  string          // critical | error | warning | info
	Details   json.RawMessage // decision JSON: action, reason, state, evidence
	Sink      judge.Sink
	Attempts  int // deliveries already tried
	CreatedAt time.Time
}

// Outbox is what the dispatcher needs from a store. The PostgreSQL and in-memory
// stores implement it.
//
// Claim should return messages in id order so that, for one release and sink, a page
// is normally delivered before the resolve that follows it.
type Outbox interface {
	// Claim returns up to limit due messages (next_attempt_at <= now, not delivered, not dead) and hides them from other claimers until now+lease (PostgreSQL: FOR UPDATE SKIP LOCKED then bump next_attempt_at).
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]Message, error)
	Delivered(ctx context.Context, id int64, at time.Time) error
	// Retry records a failed attempt; when dead is true the message is given up (kept for inspection).
	Retry(ctx context.Context, id int64, attempts int, next time.Time, lastErr string, dead bool) error
}

// sender delivers one message to one kind of sink. A nil error means delivered; an
// error wrapping errSkipped means there was nothing to send; a *deliveryError says
// whether a failure is worth retrying; any other error is retried.
type sender interface {
	send(ctx context.Context, m Message) error
}

// wants reports whether a sink's Events filter lets a message kind through.
func wants(events []string, kind string) bool {
	if len(events) == 0 {
		return true
	}
	for _, e := range events {
		if e == kind {
			return true
		}
	}
	return false
}
