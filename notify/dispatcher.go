package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
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
	// Concurrency is how many sinks that answer (outbox.ClassFast) one
	// dispatcher starts attempts to at once, one message each; default 8.
	Concurrency int
	// SlowConcurrency is how many sinks whose last failed attempt hung
	// (outbox.ClassSlow) it delivers to at once; default Concurrency.
	SlowConcurrency int
	// SlowAfter is the fast slots' budget: an attempt still running after
	// it stops counting against Concurrency and counts against the slow
	// slots instead (it goes on until Timeout), so sinks that hang hold a
	// fast slot for SlowAfter at most; one that then fails is claimed as
	// slow until it answers again. Default 100ms. At most Concurrency x
	// Timeout / SlowAfter such attempts are in flight at once.
	SlowAfter time.Duration
	// Lease is how long a claimed sink stays busy if its dispatcher stops
	// renewing it (it renews every Lease/3 while the attempt runs and its
	// outcome is recorded); default 6s. A dispatcher that crashes, or loses
	// the database, loses its sinks within one lease.
	Lease        time.Duration
	PollInterval time.Duration // wait between claims when idle; default 500ms
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
	DefaultSlowAfter    = 100 * time.Millisecond
	DefaultLease        = 6 * time.Second
	DefaultPollInterval = 500 * time.Millisecond
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
	o.SlowConcurrency = positive(o.SlowConcurrency, o.Concurrency)
	o.SlowAfter = positive(o.SlowAfter, DefaultSlowAfter)
	o.Lease = positive(o.Lease, DefaultLease)
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
	held    *heldSet // claims in flight, whose leases the heartbeat renews
	// recording counts outcomes waiting for the store to come back: until
	// they are recorded Run claims nothing, so a page sent during an outage
	// is recorded (and its sink freed) before its expired lease could hand
	// it out again.
	recording atomic.Int64
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
		held: newHeldSet(),
	}
	d.metrics = newMetrics(o.Registerer, backlogCollector{ob: ob, now: o.Now, log: o.Logger})
	return d
}

// Tick claims once (up to Concurrency sinks), delivers those messages
// concurrently and waits for them. It returns how many were marked delivered
// (skipped ones included). Errors from claiming or recording are joined and
// returned; failed sends are outcomes, not errors.
func (d *Dispatcher) Tick(ctx context.Context) (delivered int, err error) {
	stop := d.heartbeat(ctx)
	defer stop()
	msgs, err := d.claim(ctx, outbox.ClassAny, d.opts.Concurrency)
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
