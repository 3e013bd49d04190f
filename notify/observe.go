package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/outbox"
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
	pages      *prometheus.CounterVec   // sink, outcome: page messages only
	duration   *prometheus.HistogramVec // sink: one send attempt
	lag        *prometheus.HistogramVec // sink: created -> delivered
}

// newMetrics builds the collectors and registers them (and backlog) on reg,
// if any. Several dispatchers may share one registry: a second registration
// reuses the first's collectors.
func newMetrics(reg prometheus.Registerer, backlog prometheus.Collector) *metrics {
	m := &metrics{
		deliveries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "canaryjudge", Subsystem: "notify", Name: "deliveries_total",
			Help: "Outbox delivery attempts by sink kind and outcome (delivered, skipped, retry, dead).",
		}, []string{"sink", "outcome"}),
		pages: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "canaryjudge", Subsystem: "notify", Name: "pages_total",
			Help: "Delivery attempts of pages (a human is needed) by sink kind and outcome (delivered, skipped, retry, dead).",
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
	m.pages = register(reg, m.pages)
	m.duration = register(reg, m.duration)
	m.lag = register(reg, m.lag)
	register(reg, backlog)
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

var (
	descMessages = prometheus.NewDesc("canaryjudge_outbox_messages",
		"Outbox messages by state: pending (not yet delivered) and dead (given up; see GET /v1/outbox?state=dead).",
		[]string{"state"}, nil)
	descOldest = prometheus.NewDesc("canaryjudge_outbox_oldest_pending_age_seconds",
		"Age of the oldest pending outbox message (0 when none is pending).", nil, nil)
)

// backlogCollector reads the backlog from the store at scrape time, so every
// replica reports the shared outbox. A store error omits the gauges (and is
// logged) rather than failing the whole scrape.
type backlogCollector struct {
	ob  Outbox
	now func() time.Time
	log *slog.Logger
}

func (c backlogCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descMessages
	ch <- descOldest
}

func (c backlogCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	b, err := c.ob.Backlog(ctx)
	if err != nil {
		c.log.Warn("notify: outbox backlog not available for metrics", "error", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(descMessages, prometheus.GaugeValue, float64(b.Pending), outbox.StatePending)
	ch <- prometheus.MustNewConstMetric(descMessages, prometheus.GaugeValue, float64(b.Dead), outbox.StateDead)
	age := 0.0
	if b.OldestPending != nil {
		age = max(c.now().Sub(*b.OldestPending).Seconds(), 0)
	}
	ch <- prometheus.MustNewConstMetric(descOldest, prometheus.GaugeValue, age)
}

// sinkLabel bounds the label values to the known kinds.
func sinkLabel(kind string) string {
	switch kind {
	case outbox.SinkWebhook, outbox.SinkPagerDuty, outbox.SinkSlack:
		return kind
	}
	return "unknown"
}

func (m *metrics) observeSend(kind string, took time.Duration) {
	m.duration.WithLabelValues(sinkLabel(kind)).Observe(took.Seconds())
}

// record counts and logs one outcome. at is the delivery time, or for a retry the
// time of the next attempt. Logs name the sink by kind and reference, never by
// URL or key.
func (d *Dispatcher) record(ctx context.Context, m outbox.Message, outcome string, attempt int, at time.Time, why string, err error) {
	sink := sinkLabel(m.Sink.Kind)
	d.metrics.deliveries.WithLabelValues(sink, outcome).Inc()
	if m.Kind == outbox.KindPage {
		d.metrics.pages.WithLabelValues(sink, outcome).Inc()
	}
	if outcome == outcomeDelivered && !m.CreatedAt.IsZero() {
		d.metrics.lag.WithLabelValues(sink).Observe(max(at.Sub(m.CreatedAt), 0).Seconds())
	}
	attrs := []slog.Attr{
		slog.Int64("id", m.ID),
		slog.String("release", m.ReleaseID),
		slog.String("kind", m.Kind),
		slog.String("sink", m.Sink.Kind),
		slog.Int("policy_version", m.Sink.PolicyVersion),
		slog.Int("sink_index", m.Sink.Index),
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
