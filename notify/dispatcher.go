package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/outbox"
)

// Options configure a Dispatcher. Zero values take the defaults noted.
type Options struct {
	// HTTPClient sends the requests; default: a client of its own. Timeout
	// bounds each attempt, whatever the client's own timeout.
	HTTPClient *http.Client
	// Timeout bounds one delivery attempt to one sink; default 10s. Each sink
	// in flight has its own deadline: a hung sink never holds up another.
	Timeout time.Duration
	// Concurrency is how many sinks one dispatcher delivers to at once
	// (one message each); default 8.
	Concurrency int
	// Lease is how long a claimed sink stays busy if its dispatcher dies
	// before recording the outcome; default 2m. It is raised to at least
	// Timeout plus the store calls of one delivery.
	Lease        time.Duration
	PollInterval time.Duration // wait between claims when idle; default 2s
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
	DefaultTimeout      = 10 * time.Second
	DefaultConcurrency  = 8
	DefaultLease        = 2 * time.Minute
	DefaultPollInterval = 2 * time.Second
	DefaultBaseBackoff  = 5 * time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultMaxAttempts  = 15
	DefaultSource       = "canaryjudge"
)

// storeTimeout bounds each store call of a delivery (resolving the sink,
// recording the outcome), which runs even while shutting down so that a
// finished send is recorded.
const storeTimeout = 5 * time.Second

// withDefaults fills every unset (or nonsensical) option.
func (o Options) withDefaults() Options {
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{}
	}
	o.Timeout = positive(o.Timeout, DefaultTimeout)
	o.Concurrency = positive(o.Concurrency, DefaultConcurrency)
	o.Lease = max(positive(o.Lease, DefaultLease), o.Timeout+3*storeTimeout)
	o.PollInterval = positive(o.PollInterval, DefaultPollInterval)
	o.BaseBackoff = positive(o.BaseBackoff, DefaultBaseBackoff)
	o.MaxBackoff = max(positive(o.MaxBackoff, DefaultMaxBackoff), o.BaseBackoff)
	o.MaxAttempts = positive(o.MaxAttempts, DefaultMaxAttempts)
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

func positive[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}

// Dispatcher claims outbox messages and delivers them. Its methods are safe for
// concurrent use, and several dispatchers (one per replica) may share one outbox.
type Dispatcher struct {
	ob      Outbox
	opts    Options
	senders map[string]sender
	metrics *metrics
}

// New returns a dispatcher over ob. With a Registerer it registers its
// delivery metrics and the outbox backlog gauges (read from ob at scrape time).
func New(ob Outbox, opts Options) *Dispatcher {
	o := opts.withDefaults()
	d := &Dispatcher{
		ob:   ob,
		opts: o,
		senders: map[string]sender{
			outbox.SinkWebhook:   webhookSender{client: o.HTTPClient, now: o.Now},
			outbox.SinkPagerDuty: pagerDutySender{client: o.HTTPClient, source: o.Source, now: o.Now},
			outbox.SinkSlack:     slackSender{client: o.HTTPClient},
		},
	}
	d.metrics = newMetrics(o.Registerer, backlogCollector{ob: ob, now: o.Now, log: o.Logger})
	return d
}

// Run claims and delivers until ctx is done, keeping up to Concurrency sinks
// in flight: whenever one finishes it claims again at once, and otherwise it
// polls every PollInterval. On cancellation it waits for the deliveries in
// flight (their sends are cancelled and the messages left due, no attempt
// counted) and returns nil.
func (d *Dispatcher) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	done := make(chan struct{}, d.opts.Concurrency)
	busy := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-done:
			busy--
		case <-timer.C:
		}
		free := d.opts.Concurrency - busy
		if free == 0 {
			continue // a slot frees when a delivery ends; each ends within its timeout
		}
		msgs, err := d.ob.Claim(ctx, d.opts.Now(), free, d.opts.Lease)
		if err != nil && ctx.Err() == nil {
			d.opts.Logger.ErrorContext(ctx, "notify: claim failed", "error", err)
		}
		for _, m := range msgs {
			busy++
			wg.Go(func() {
				defer func() { done <- struct{}{} }()
				if _, err := d.deliver(ctx, m); err != nil && ctx.Err() == nil && !errors.Is(err, outbox.ErrLeaseLost) {
					d.opts.Logger.ErrorContext(ctx, "notify: recording a delivery failed", "id", m.ID, "error", err)
				}
			})
		}
		timer.Reset(d.opts.PollInterval)
	}
}

// Tick claims once (up to Concurrency sinks), delivers those messages
// concurrently and waits for them. It returns how many were marked delivered
// (skipped ones included). Errors from claiming or recording are joined and
// returned; failed sends are outcomes, not errors.
func (d *Dispatcher) Tick(ctx context.Context) (delivered int, err error) {
	msgs, err := d.ob.Claim(ctx, d.opts.Now(), d.opts.Concurrency, d.opts.Lease)
	if err != nil {
		return 0, fmt.Errorf("notify: claim: %w", err)
	}
	oks := make([]bool, len(msgs))
	errs := make([]error, len(msgs))
	var wg sync.WaitGroup
	for i, m := range msgs {
		wg.Go(func() { oks[i], errs[i] = d.deliver(ctx, m) })
	}
	wg.Wait()
	for _, ok := range oks {
		if ok {
			delivered++
		}
	}
	return delivered, errors.Join(errs...)
}
