package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Delivery outcomes, the values of the "outcome" metric label and log attribute.
const (
	outcomeDelivered = "delivered" // the sink accepted it
	outcomeSkipped   = "skipped"   // filtered out, or nothing to send for this sink; marked delivered
	outcomeRetry     = "retry"     // failed; tried again later
	outcomeDead      = "dead"      // failed for good; kept in the outbox for inspection
)

type metrics struct {
	deliveries *prometheus.CounterVec   // sink, outcome
	duration   *prometheus.HistogramVec // sink: one send attempt
	lag        *prometheus.HistogramVec // sink: created -> delivered
}

// newMetrics builds the collectors and registers them on reg, if any. Several
// dispatchers may share one registry: a second registration reuses the first's
// collectors.
func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "canaryjudge", Subsystem: "notify", Name: "deliveries_total",
			Help: "Outbox delivery attempts by sink kind and outcome (delivered, skipped, retry, dead).",
		}, []string{"sink", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "canaryjudge", Subsystem: "notify", Name: "delivery_duration_seconds",
			Help:    "Time taken by one delivery attempt to a sink, successful or not.",
			Buckets: prometheus.DefBuckets,
		}, []string{"sink"}),
		lag: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "canaryjudge", Subsystem: "notify", Name: "delivery_lag_seconds",
			Help:    "Time from an outbox message's creation to its delivery.",
			Buckets: prometheus.ExponentialBuckets(0.25, 2, 16), // 0.25s .. ~2.3h
		}, []string{"sink"}),
	}
	if reg == nil {
		return m
	}
	m.deliveries = register(reg, m.deliveries)
	m.duration = register(reg, m.duration)
	m.lag = register(reg, m.lag)
	return m
}

func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		// A different collector under our name is a programming error; keep
		// counting on our own, unregistered copy rather than failing delivery.
	}
	return c
}

// sinkLabel bounds the label values to the known kinds.
func sinkLabel(kind string) string {
	switch kind {
	case SinkWebhook, SinkPagerDuty, SinkSlack:
		return kind
	}
	return "unknown"
}

func (m *metrics) observeSend(kind string, took time.Duration) {
	m.duration.WithLabelValues(sinkLabel(kind)).Observe(took.Seconds())
}

// record counts and logs one outcome. at is the delivery time, or for a retry the
// time of the next attempt.
func (d *Dispatcher) record(ctx context.Context, m Message, outcome string, attempt int, at time.Time, why string, err error) {
	sink := sinkLabel(m.Sink.Kind)
	d.metrics.deliveries.WithLabelValues(sink, outcome).Inc()
	if outcome == outcomeDelivered && !m.CreatedAt.IsZero() {
		d.metrics.lag.WithLabelValues(sink).Observe(max(at.Sub(m.CreatedAt), 0).Seconds())
	}
	attrs := []slog.Attr{
		slog.Int64("id", m.ID),
		slog.String("release", m.ReleaseID),
		slog.String("kind", m.Kind),
		slog.String("sink", m.Sink.Kind),
		slog.String("outcome", outcome),
		slog.Int("attempt", attempt),
	}
	level := slog.LevelInfo
	switch outcome {
	case outcomeSkipped:
		level = slog.LevelDebug
		attrs = append(attrs, slog.String("why", why))
	case outcomeRetry:
		level = slog.LevelWarn
		attrs = append(attrs, slog.Time("next_attempt", at), slog.String("error", err.Error()))
	case outcomeDead:
		level = slog.LevelError
		attrs = append(attrs, slog.String("error", err.Error()))
	}
	d.opts.Logger.LogAttrs(ctx, level, "notify: delivery", attrs...)
}
