package runner_test

import (
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/store"
)

// fakeBackend serves sources registered by tests under a config id: the
// lease tests need a source they can block and count, which a real
// Prometheus cannot offer (the real one is tested in e2e_test.go).
type fakeBackend struct{}

var (
	fakesMu sync.Mutex
	fakes   = map[string]*fakeSource{}
)

type fakeConfig struct {
	ID string `json:"id"`
}

func (fakeBackend) Validate(c, _ json.RawMessage) (json.RawMessage, error) { return c, nil }
func (fakeBackend) Redact(c json.RawMessage) json.RawMessage               { return c }
func (fakeBackend) CheckMetrics([]judge.Metric) error                      { return nil }
func (fakeBackend) Open(_ string, c json.RawMessage) (source.Source, error) {
	var fc fakeConfig
	if err := json.Unmarshal(c, &fc); err != nil {
		return nil, err
	}
	fakesMu.Lock()
	defer fakesMu.Unlock()
	f, ok := fakes[fc.ID]
	if !ok {
		return nil, errors.New("no fake source " + fc.ID)
	}
	return f, nil
}

// fakeSource returns a healthy window of the example policy; block, when
// set, is called first (a test parks the fetch there).
type fakeSource struct {
	mu      sync.Mutex
	fetches int
	block   func(ctx context.Context) error
}

func newFake(id string) *fakeSource {
	f := &fakeSource{}
	fakesMu.Lock()
	fakes[id] = f
	fakesMu.Unlock()
	return f
}

func (f *fakeSource) Fetch(ctx context.Context, req source.Request) (source.Result, error) {
	f.mu.Lock()
	f.fetches++
	block := f.block
	f.mu.Unlock()
	if block != nil {
		if err := block(ctx); err != nil {
			return source.Result{}, err
		}
	}
	rng := rand.New(rand.NewPCG(uint64(req.Start.Unix()), 1))
	side := func() judge.Side {
		s := judge.Side{Series: judge.Samples{}, Counts: map[string]judge.Count{}}
		for _, m := range req.Metrics {
			if m.Kind == judge.KindCount {
				c := judge.Count{}
				for range 20 {
					tot := 600 + 30*rng.NormFloat64()
					c.Total = append(c.Total, tot)
					c.Events = append(c.Events, max(0, float64(int(tot*0.005+2*rng.NormFloat64()+0.5))))
				}
				if m.Direction == judge.DirDecrease {
					for i := range c.Events {
						c.Events[i] = c.Total[i] * 0.97
					}
				}
				s.Counts[m.Name] = c
				continue
			}
			xs := make([]float64, 20)
			for i := range xs {
				xs[i] = 0.3 * (1 + 0.03*rng.NormFloat64())
			}
			s.Series[m.Name] = xs
		}
		return s
	}
	return source.Result{Canary: side(), Baseline: side(), Requests: 1,
		Asked: []source.Asked{{Metric: "all", Side: "both", Query: "fake", Series: 1, Points: 20}}}, nil
}

func (f *fakeSource) count() int { f.mu.Lock(); defer f.mu.Unlock(); return f.fetches }

// settable is a clock a test moves.
type settable struct {
	mu sync.Mutex
	t  time.Time
}

func (c *settable) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *settable) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *settable) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// killedAfterAnalysis is a worker that dies once its analysis committed:
// it never records the window, so the run keeps its lease until it expires.
type killedAfterAnalysis struct{ store.Full }

var errKilled = errors.New("worker killed (test)")

func (killedAfterAnalysis) CompleteWindow(context.Context, string, int64, store.RunWindow, store.RunUpdate) (store.Run, error) {
	return store.Run{}, errKilled
}

func (killedAfterAnalysis) ReleaseRun(context.Context, string, int64, time.Time) error {
	return errKilled
}
