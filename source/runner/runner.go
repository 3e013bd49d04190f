// Package runner executes scheduled runs: each replica's workers claim due
// runs from the store under a lease (FOR UPDATE SKIP LOCKED in
// PostgreSQL), pull the window from the run's source, and post it through
// the same engine path a deploy tool's POST /v1/releases/{id}/analyses
// takes, so guards, window ordering and audit apply unchanged.
//
// Exactly once: a window's analysis is posted with an idempotency key of
// the run and window number, so a window run again after a worker died
// (its lease expired and another worker took the run over) gets the
// stored answer back instead of a second analysis; a window that an
// earlier attempt stored under another key (or a tool posted) is refused
// by the engine as a window conflict and adopted when its span is the same.
package runner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// Store is what the runner needs of the store.
type Store interface {
	ClaimRuns(ctx context.Context, now time.Time, limit int, lease time.Duration, owner string) ([]store.ClaimedRun, error)
	CompleteWindow(ctx context.Context, runID string, claim int64, w store.RunWindow, u store.RunUpdate) (store.Run, error)
	ReleaseRun(ctx context.Context, runID string, claim int64, retryAt time.Time) error
	GetSource(ctx context.Context, name string) (store.SourceRecord, error)
	GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error)
	GetRelease(ctx context.Context, id string) (store.Release, error)
	Analyses(ctx context.Context, releaseID string, limit int) ([]store.Analysis, error)
	LatestDecision(ctx context.Context, releaseID string) (store.DecisionRecord, error)
}

// Analyzer is the engine's analysis path.
type Analyzer interface {
	Analyze(ctx context.Context, releaseID string, req engine.AnalysisRequest, actor string, idem *store.Idem) (engine.Outcome, error)
}

// Options configures a Runner; zero values get defaults.
type Options struct {
	// Owner names this worker in leases (default: a random id).
	Owner string
	// Workers is how many windows this replica runs at once.
	Workers int
	// Poll is how often idle workers look for due runs.
	Poll time.Duration
	// Lease is how long a claimed run stays this worker's; a window's work
	// is cut off a little before it ends.
	Lease time.Duration
	// Retry is how long a run waits after this worker could not finish a
	// window (the store or the engine unreachable).
	Retry    time.Duration
	Now      func() time.Time
	Logger   *slog.Logger
	Registry prometheus.Registerer
	Backends map[string]source.Backend
	// Static are sources from the server's config file; they win over
	// stored ones of the same name.
	Static map[string]store.SourceRecord
}

// Defaults.
const (
	DefaultWorkers = 16
	DefaultPoll    = time.Second
	DefaultLease   = 2 * time.Minute
	DefaultRetry   = 15 * time.Second
)

// Runner runs scheduled windows.
type Runner struct {
	st      Store
	an      Analyzer
	o       Options
	m       metrics
	sources *sourceCache
}

// New returns a runner over st that posts windows through an.
func New(st Store, an Analyzer, o Options) *Runner {
	if o.Owner == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		o.Owner = "worker-" + hex.EncodeToString(b[:])
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Poll <= 0 {
		o.Poll = DefaultPoll
	}
	if o.Lease <= 0 {
		o.Lease = DefaultLease
	}
	if o.Retry <= 0 {
		o.Retry = DefaultRetry
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Runner{st: st, an: an, o: o, m: newMetrics(o.Registry)}
	r.sources = &sourceCache{st: st, backends: o.Backends, static: o.Static, open: map[string]openSource{}}
	return r
}

// Start runs Run in the background until the returned stop is called;
// stop returns once Run has (the windows in flight gave their runs back).
func (r *Runner) Start() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); r.Run(ctx) }()
	return func() { cancel(); <-done }
}

// Run claims and runs due windows until ctx ends, then waits for the
// windows in flight (they are cut short by ctx and left to their lease).
func (r *Runner) Run(ctx context.Context) {
	var wg sync.WaitGroup
	defer wg.Wait()
	slots := make(chan struct{}, r.o.Workers)
	done := make(chan struct{}, r.o.Workers)
	t := time.NewTicker(r.o.Poll)
	defer t.Stop()
	for {
		free := r.o.Workers - len(slots)
		claimed := 0
		if free > 0 {
			cs, err := r.st.ClaimRuns(ctx, r.o.Now(), free, r.o.Lease, r.o.Owner)
			if err != nil && ctx.Err() == nil {
				r.o.Logger.Warn("claiming runs failed", "error", err)
			}
			claimed = len(cs)
			for _, c := range cs {
				slots <- struct{}{}
				wg.Add(1)
				go func() {
					defer func() { <-slots; wg.Done(); wake(done) }()
					r.Window(ctx, c)
				}()
			}
		}
		if claimed == free && free > 0 {
			continue // more may be due: claim again at once
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-done:
		}
	}
}

// Tick claims what is due now and runs it to completion (tests, tools).
func (r *Runner) Tick(ctx context.Context) (int, error) {
	cs, err := r.st.ClaimRuns(ctx, r.o.Now(), r.o.Workers, r.o.Lease, r.o.Owner)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, c := range cs {
		wg.Add(1)
		go func() { defer wg.Done(); r.Window(ctx, c) }()
	}
	wg.Wait()
	return len(cs), nil
}

// wake signals ch without blocking (one pending signal is enough).
func wake(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}
