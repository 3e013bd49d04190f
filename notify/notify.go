// Package notify is the delivery side of canaryjudge's transactional outbox.
//
// The decision path writes one outbox row per (notification, sink) in the same
// database transaction as the decision it reports, so a notification exists if and
// only if the decision was committed. A row names its sink (policy version and
// index, see [outbox.SinkRef]) and never copies it: a [Dispatcher] resolves the
// sink when it delivers, so secrets stay in the policy.
//
// # Delivery
//
// A dispatcher claims messages through the [Outbox] interface, at most one per
// sink, and only for sinks with nothing in flight; it delivers several sinks at
// once, each attempt bounded by Options.Timeout. Sinks that answer and sinks
// whose last failed attempt hung have separate slots (Options.Concurrency and
// SlowConcurrency), and an attempt that outlives Options.SlowAfter (100ms) gives
// its fast slot up, so however many sinks hang, a sink that answers waits for
// none of them. Messages of one release to one sink go out in order (a resolve
// never overtakes its page).
//
// A claimed sink is leased for seconds (Options.Lease, 6s) and the lease is
// renewed while its attempt runs; a dispatcher that dies or loses the database
// loses its sinks within one lease. An outcome that cannot be recorded because
// the database is away is retried until it answers again, before the dispatcher
// claims anything new, so after an outage delivery resumes within a poll
// interval and a page sent during it is not sent again.
// Failures are retried with capped exponential backoff and jitter, scheduled by
// the message's next attempt time, so a fresh page never waits behind an old
// retry; after Options.MaxAttempts, or at once on a permanent failure, a message
// is dead: kept, listed by the API, counted in metrics, and retried only when an
// operator asks. Delivery is at least once: a message whose dispatcher crashes
// after the send but before recording it is sent again (by any replica) once
// its sink's lease expires, so receivers must deduplicate (webhook:
// Idempotency-Key; PagerDuty: dedup_key).
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
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// Outbox is what the dispatcher needs from a store (store.Outbox documents the
// semantics; the PostgreSQL and in-memory stores implement it identically).
type Outbox interface {
	// Claim hands out up to limit due messages, at most one per idle sink,
	// and leases those sinks until now+lease.
	Claim(ctx context.Context, now time.Time, limit int, lease time.Duration) ([]outbox.Message, error)
	// Delivered and Retry record an outcome under the message's claim and
	// free its sink; outbox.ErrLeaseLost when the claim is stale.
	Delivered(ctx context.Context, id, claim int64, at time.Time) error
	Retry(ctx context.Context, id, claim int64, f outbox.Failure) error
	// NotifySink resolves a sink reference; an error wrapping
	// outbox.ErrNoSink means it names no sink (the message cannot be sent).
	NotifySink(ctx context.Context, service string, ref outbox.SinkRef) (judge.Sink, error)
	// Backlog counts pending and dead messages, for the metrics.
	Backlog(ctx context.Context) (outbox.Backlog, error)
}

// sender delivers one message to one kind of sink. A nil error means delivered; an
// error wrapping errSkipped means there was nothing to send; a *deliveryError says
// whether a failure is worth retrying; any other error is retried.
type sender interface {
	send(ctx context.Context, m outbox.Message, sink judge.Sink) error
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
