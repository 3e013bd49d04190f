package gameday

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
)

// Target is the server a game day runs against.
type Target struct {
	Client Client
	Clock  Clock
	// Sink receives the notifications; SinkURL is where the server
	// reaches it.
	Sink    *Sink
	SinkURL string
}

// Options configure Run.
type Options struct {
	Seed uint64
	// RunID names this run's services (gameday-RUNID-SCENARIO); default
	// random, so runs against one server never share a service.
	RunID string
	// Parallel is how many scenarios run at once (default 1). Each has
	// its own service, so against a real server they may overlap; the
	// embedded server's clock is shared, so it runs them one by one.
	Parallel int
	// Progress, when set, is called as each scenario ends (i counts the
	// ended ones), never concurrently.
	Progress func(i, n int, r Result)
}

// run is one scenario under way.
type run struct {
	t        *Target
	sc       Scenario
	policy   judge.Policy
	service  string
	seed     uint64
	releases []string
	rel      string        // the current release
	gen      *sim.Release  // its windows
	w        int           // windows sent to it
	elapsed  time.Duration // server time since its first window began
	frozen   bool
	res      *Result
}

// mark records the headline decision.
func (r *run) mark(actual string) {
	r.res.Actual, r.res.Window, r.res.ToDecision = actual, r.w, r.elapsed
}

// Run plays every scenario in order and returns their results.
func Run(ctx context.Context, t *Target, scs []Scenario, o Options) []Result {
	if o.RunID == "" {
		var b [3]byte
		_, _ = rand.Read(b[:])
		o.RunID = hex.EncodeToString(b[:])
	}
	out := make([]Result, len(scs))
	var mu sync.Mutex
	ended := 0
	sem := make(chan struct{}, max(o.Parallel, 1))
	var wg sync.WaitGroup
	for i, sc := range scs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = play(ctx, t, sc, o)
			mu.Lock()
			defer mu.Unlock()
			ended++
			if o.Progress != nil {
				o.Progress(ended, len(scs), out[i])
			}
		})
	}
	wg.Wait()
	return out
}

func play(ctx context.Context, t *Target, sc Scenario, o Options) Result {
	start := time.Now()
	res := Result{Scenario: sc.Name, About: sc.About, Expected: sc.Expect.String(), Status: "SKIP", Skip: sc.Skip}
	if sc.Skip != "" {
		res.Actual = "skipped: " + sc.Skip
		return res
	}
	r := &run{t: t, sc: sc, policy: sc.Policy, service: "gameday-" + o.RunID + "-" + sc.Name, seed: o.Seed, res: &res}
	res.Service = r.service
	r.policy.Notify = []judge.Sink{t.Sink.Config(t.SinkURL)}
	res.Checks = append(res.Checks, r.steps(ctx)...)
	if res.Actual == "" {
		res.Actual = "no decision (see the failed step)"
	}
	res.Checks = append(res.Checks, r.cleanup(ctx)...)
	res.Checks = append(res.Checks, r.notifications(ctx))
	res.Releases, res.Took, res.Status = r.releases, time.Since(start), "PASS"
	if len(res.Failed()) > 0 {
		res.Status = "FAIL"
	}
	return res
}

// steps stores the policy and runs the steps until one cannot go on.
func (r *run) steps(ctx context.Context) []Check {
	if err := r.t.Client.PutPolicy(ctx, r.service, r.policy); err != nil {
		return []Check{fail("store the scenario's policy", "stored", err)}
	}
	var out []Check
	for _, st := range r.sc.Steps {
		c, goOn := st.run(ctx, r)
		out = append(out, c)
		if !goOn || ctx.Err() != nil {
			break
		}
	}
	return out
}

func fail(step, expected string, err error) Check {
	return Check{Step: step, Expected: expected, Actual: "error", Detail: fmt.Sprint(err)}
}
