package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Options configure a Dispatcher. Zero values take the defaults noted.
//
// Messages of a batch are sent one after another, and a dispatcher stops a batch
// early when one more send (bounded by HTTPClient.Timeout) could end after the lease,
// so another replica cannot claim a message that is still being sent. Keep Lease
// well above HTTPClient.Timeout; a client without a timeout disables that guard.
type Options struct {
	HTTPClient   *http.Client  // default: a client with a 10s timeout
	Batch        int           // messages claimed per tick; default 10
	Lease        time.Duration // how long claimed messages stay hidden; default 2m
	PollInterval time.Duration // wait between ticks when idle; default 2s
	BaseBackoff  time.Duration // delay after the first failure; default 5s
	MaxBackoff   time.Duration // cap on any delay; default 5m
	MaxAttempts  int           // attempts before a message is dead; default 15
	Now          func() time.Time
	Rand         func() float64 // jitter source in [0,1); default math/rand/v2
	Logger       *slog.Logger   // default: discard
	Registerer   prometheus.Registerer
	Source       string // PagerDuty payload.source; default "canaryjudge"
}

// Defaults.
const (
	DefaultBatch        = 10
	DefaultLease        = 2 * time.Minute
	DefaultPollInterval = 2 * time.Second
	DefaultBaseBackoff  = 5 * time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultMaxAttempts  = 15
	DefaultHTTPTimeout  = 10 * time.Second
	DefaultSource       = "canaryjudge"
)

// withDefaults fills every unset (or nonsensical) option.
func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: DefaultHTTPTimeout}
	}
	if o.Batch <= 0 {
		o.Batch = DefaultBatch
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.PollInterval <= 0 {
		o.PollInterval = DefaultPollInterval
	}
	if o.BaseBackoff <= 0 {
		o.BaseBackoff = DefaultBaseBackoff
	}
	if o.MaxBackoff <= 0 {
		o.MaxBackoff = DefaultMaxBackoff
	}
	if o.MaxBackoff < o.BaseBackoff {
		o.MaxBackoff = o.BaseBackoff
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = DefaultMaxAttempts
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rand == nil {
		o.Rand = rand.Float64
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Source == "" {
		o.Source = DefaultSource
	}
	return o
}

// Dispatcher claims outbox messages and delivers them. Its methods are safe for
// concurrent use, and several dispatchers (one per replica) may share one outbox.
type Dispatcher struct {
	ob      Outbox
	opts    Options
	senders map[string]sender
	metrics *metrics
}

// New returns a dispatcher over ob.
func New(ob Outbox, opts Options) *Dispatcher {
	o := opts.withDefaults()
	return &Dispatcher{
		ob:   ob,
		opts: o,
		senders: map[string]sender{
			SinkWebhook:   webhookSender{client: o.HTTPClient, now: o.Now},
			SinkPagerDuty: pagerDutySender{client: o.HTTPClient, source: o.Source, now: o.Now},
			SinkSlack:     slackSender{client: o.HTTPClient},
		},
		metrics: newMetrics(o.Registerer),
	}
}

// Run ticks until ctx is done, then returns nil. It ticks again at once while
// batches come back full, and otherwise waits PollInterval. Tick errors are logged.
func (d *Dispatcher) Run(ctx context.Context) error {
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-timer.C:
		}
		claimed, _, err := d.tick(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			d.opts.Logger.ErrorContext(ctx, "notify: tick failed", "error", err)
		}
		wait := d.opts.PollInterval
		if err == nil && claimed >= d.opts.Batch {
			wait = 0 // a backlog: keep draining
		}
		timer.Reset(wait)
	}
}

// Tick claims one batch and processes every message in it, returning how many were
// marked delivered (skipped ones included). Errors from recording outcomes do not
// stop the batch; they are joined and returned.
func (d *Dispatcher) Tick(ctx context.Context) (delivered int, err error) {
	_, delivered, err = d.tick(ctx)
	return delivered, err
}

func (d *Dispatcher) tick(ctx context.Context) (claimed, delivered int, err error) {
	now := d.opts.Now()
	msgs, err := d.ob.Claim(ctx, now, d.opts.Batch, d.opts.Lease)
	if err != nil {
		return 0, 0, fmt.Errorf("notify: claim: %w", err)
	}
	leaseEnd := now.Add(d.opts.Lease)
	var errs []error
	for i, m := range msgs {
		if err := ctx.Err(); err != nil {
			return len(msgs), delivered, err
		}
		if !d.timeLeft(leaseEnd) {
			// Sending now could outlive the lease and race another claimer; the rest
			// reappear when the lease expires, with no attempt counted.
			d.opts.Logger.WarnContext(ctx, "notify: lease nearly over, leaving the rest of the batch",
				"left", len(msgs)-i)
			break
		}
		ok, err := d.deliver(ctx, m)
		if ok {
			delivered++
		}
		if err != nil {
			if ctx.Err() != nil {
				return len(msgs), delivered, ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	return len(msgs), delivered, errors.Join(errs...)
}

// timeLeft reports whether one more send (bounded by the client timeout) still
// finishes inside the lease.
func (d *Dispatcher) timeLeft(leaseEnd time.Time) bool {
	t := d.opts.HTTPClient.Timeout
	return t <= 0 || !d.opts.Now().Add(t).After(leaseEnd)
}

// deliver sends one message and records the outcome in the outbox. ok says the
// message was marked delivered.
func (d *Dispatcher) deliver(ctx context.Context, m Message) (ok bool, err error) {
	if !wants(m.Sink.Events, m.Kind) {
		return d.succeed(ctx, m, outcomeSkipped, "kind not in sink events")
	}
	s, known := d.senders[m.Sink.Kind]
	if !known {
		return false, d.fail(ctx, m, permanentf("unknown sink kind %q (want webhook, pagerduty or slack)", m.Sink.Kind))
	}
	start := time.Now()
	sendErr := s.send(ctx, m)
	switch {
	case sendErr == nil:
		d.metrics.observeSend(m.Sink.Kind, time.Since(start))
		return d.succeed(ctx, m, outcomeDelivered, "")
	case errors.Is(sendErr, errSkipped):
		return d.succeed(ctx, m, outcomeSkipped, sendErr.Error())
	case ctx.Err() != nil:
		// Shutting down is not the sink's fault: record nothing and let the lease
		// expire so the message comes back with its attempts unchanged.
		return false, ctx.Err()
	default:
		d.metrics.observeSend(m.Sink.Kind, time.Since(start))
		return false, d.fail(ctx, m, sendErr)
	}
}

func (d *Dispatcher) succeed(ctx context.Context, m Message, outcome, why string) (bool, error) {
	at := d.opts.Now()
	d.record(ctx, m, outcome, m.Attempts+1, at, why, nil)
	if err := d.ob.Delivered(ctx, m.ID, at); err != nil {
		return false, fmt.Errorf("notify: mark message %d delivered: %w", m.ID, err)
	}
	return true, nil
}

func (d *Dispatcher) fail(ctx context.Context, m Message, sendErr error) error {
	attempts := m.Attempts + 1
	now := d.opts.Now()
	dead := isPermanent(sendErr) || attempts >= d.opts.MaxAttempts
	next, outcome := now, outcomeDead
	if !dead {
		next, outcome = now.Add(d.backoff(attempts, retryAfterOf(sendErr))), outcomeRetry
	}
	d.record(ctx, m, outcome, attempts, next, "", sendErr)
	lastErr := truncate(sendErr.Error(), 2*maxErrBody)
	if err := d.ob.Retry(ctx, m.ID, attempts, next, lastErr, dead); err != nil {
		return fmt.Errorf("notify: record attempt %d of message %d: %w", attempts, m.ID, err)
	}
	return nil
}

// backoff is the delay after the given number of failed attempts: BaseBackoff
// doubled per earlier failure and capped at MaxBackoff, then "equal jitter" (a
// uniformly random point in its upper half, so retries spread out but never come
// back at once), raised to the receiver's Retry-After and capped again.
func (d *Dispatcher) backoff(attempts int, retryAfter time.Duration) time.Duration {
	base, ceiling := d.opts.BaseBackoff, d.opts.MaxBackoff
	delay := base
	for i := 1; i < attempts && delay < ceiling; i++ {
		if delay > ceiling/2 {
			delay = ceiling
			break
		}
		delay *= 2
	}
	delay = min(delay, ceiling)
	r := min(max(d.opts.Rand(), 0), 1)
	delay = delay/2 + time.Duration(r*float64(delay/2))
	return min(max(delay, retryAfter), ceiling)
}
