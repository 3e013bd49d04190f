package notify

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// deliver resolves the message's sink, sends the message and records the
// outcome. ok says the message was marked delivered.
func (d *Dispatcher) deliver(ctx context.Context, m outbox.Message) (ok bool, err error) {
	sink, err := d.resolve(ctx, m)
	switch {
	case ctx.Err() != nil:
		return false, d.interrupted(ctx, m, "delivery interrupted by shutdown (not counted as an attempt)")
	case errors.Is(err, errStore):
		return false, d.interrupted(ctx, m, err.Error()+" (not counted as an attempt)")
	case err != nil:
		return false, d.fail(ctx, m, err, 0)
	case !wants(sink.Events, m.Kind):
		return d.succeed(ctx, m, outcomeSkipped, "kind not in sink events")
	}
	s, known := d.senders[sink.Kind]
	if !known {
		return false, d.fail(ctx, m, permanentf("unknown sink kind %q (want webhook, pagerduty or slack)", sink.Kind), 0)
	}
	took, sendErr := d.send(ctx, s, m, sink)
	switch {
	case sendErr == nil:
		d.metrics.observeSend(m.Sink.Kind, took)
		return d.succeed(ctx, m, outcomeDelivered, "")
	case errors.Is(sendErr, errSkipped):
		return d.succeed(ctx, m, outcomeSkipped, sendErr.Error())
	case ctx.Err() != nil:
		return false, d.interrupted(ctx, m, "delivery interrupted by shutdown (not counted as an attempt)")
	default:
		d.metrics.observeSend(m.Sink.Kind, took)
		return false, d.fail(ctx, m, sendErr, took)
	}
}

// errStore marks a sink that could not be resolved because the store
// failed: not the sink's fault.
var errStore = errors.New("store error")

// resolve looks the message's sink up in the policy version it names.
func (d *Dispatcher) resolve(ctx context.Context, m outbox.Message) (judge.Sink, error) {
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	sink, err := d.ob.NotifySink(sctx, m.Service, m.Sink)
	switch {
	case errors.Is(err, outbox.ErrNoSink):
		return sink, permanentf("sink %d of policy %s version %d does not exist", m.Sink.Index, m.Service, m.Sink.PolicyVersion)
	case err != nil:
		return sink, fmt.Errorf("resolve sink: %w: %w", errStore, err)
	}
	return sink, nil
}

// send makes one attempt under the sink's own deadline.
func (d *Dispatcher) send(ctx context.Context, s sender, m outbox.Message, sink judge.Sink) (time.Duration, error) {
	tctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	defer cancel()
	start := time.Now()
	err := s.send(tctx, m, sink)
	took := time.Since(start)
	if err != nil && ctx.Err() == nil && errors.Is(tctx.Err(), context.DeadlineExceeded) {
		err = &deliveryError{Msg: fmt.Sprintf("no answer within %s", d.opts.Timeout)}
	}
	return took, err
}

// recordCtx lets an outcome be recorded even when ctx is being cancelled.
func recordCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
}

func (d *Dispatcher) succeed(ctx context.Context, m outbox.Message, outcome, why string) (bool, error) {
	at := d.opts.Now()
	if err := d.persist(ctx, m, func(rctx context.Context) error { return d.ob.Delivered(rctx, m.ID, m.Claim, at) }); err != nil {
		return false, d.recordFailed(ctx, m, err)
	}
	d.record(ctx, m, outcome, m.Attempts+1, at, why, nil)
	return true, nil
}

// fail records a failed attempt that took took; one that ran past
// SlowAfter marks the sink slow.
func (d *Dispatcher) fail(ctx context.Context, m outbox.Message, sendErr error, took time.Duration) error {
	now := d.opts.Now()
	f := outbox.Failure{Attempts: m.Attempts + 1, At: now, Next: now, Err: truncate(sendErr.Error(), 2*maxErrBody),
		Slow: took > d.opts.SlowAfter}
	f.Dead = isPermanent(sendErr) || f.Attempts >= d.opts.MaxAttempts
	outcome := outcomeDead
	if !f.Dead {
		f.Next, outcome = now.Add(d.backoff(f.Attempts, retryAfterOf(sendErr))), outcomeRetry
	}
	if err := d.persist(ctx, m, func(rctx context.Context) error { return d.ob.Retry(rctx, m.ID, m.Claim, f) }); err != nil {
		return d.recordFailed(ctx, m, err)
	}
	d.record(ctx, m, outcome, f.Attempts, f.Next, "", sendErr)
	return nil
}

// interrupted frees the sink of a delivery cut short by shutdown or by the
// store: not the sink's fault, so no attempt is counted, the sink keeps its
// class and the message is due at once.
func (d *Dispatcher) interrupted(ctx context.Context, m outbox.Message, why string) error {
	now := d.opts.Now()
	f := outbox.Failure{Attempts: m.Attempts, At: now, Next: now, Err: truncate(why, 2*maxErrBody), Interrupted: true}
	if err := d.persist(ctx, m, func(rctx context.Context) error { return d.ob.Retry(rctx, m.ID, m.Claim, f) }); err != nil {
		return d.recordFailed(ctx, m, err)
	}
	return ctx.Err()
}

func (d *Dispatcher) recordFailed(ctx context.Context, m outbox.Message, err error) error {
	if errors.Is(err, outbox.ErrLeaseLost) {
		d.opts.Logger.WarnContext(ctx, "notify: outcome not recorded: the claim expired and the message was taken again",
			"id", m.ID, "release", m.ReleaseID, "error", err)
	}
	return fmt.Errorf("notify: record outcome of message %d: %w", m.ID, err)
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
