package gameday

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
)

// Step is one move of a scenario: its line in the plan and what it does.
type Step interface {
	Plan() string
	// run acts and checks; go on is false when the scenario cannot
	// continue (the server refused a request).
	run(ctx context.Context, r *run) (c Check, goOn bool)
	headline() bool
}

// NewRelease starts a release whose windows come from Gen.
type NewRelease struct {
	Gen        sim.Scenario
	Migrations []judge.Migration
}

func (s NewRelease) headline() bool { return false }

func (s NewRelease) Plan() string {
	p := "the deploy tool creates a release; its windows: " + s.Gen.About
	for _, m := range s.Migrations {
		p += fmt.Sprintf("; it ships migration %s", m.ID)
		if m.Compat != "" {
			p += " declared " + string(m.Compat)
		}
		if m.SQL != "" {
			p += fmt.Sprintf(" (`%s`)", strings.TrimSpace(m.SQL))
		}
	}
	return p
}

func (s NewRelease) run(ctx context.Context, r *run) (Check, bool) {
	n := len(r.releases)
	req := engine.CreateReleaseRequest{Service: r.service, Target: "gameday", Version: fmt.Sprintf("v%d", n+2),
		BaselineVersion: "v1", Migrations: s.Migrations}
	c := Check{Step: s.Plan(), Expected: "a baking release"}
	rel, err := r.t.Client.CreateRelease(ctx, req)
	if err != nil {
		c.Actual, c.Detail = "refused", err.Error()
		return c, false
	}
	r.releases = append(r.releases, rel.ID)
	r.rel, r.w, r.elapsed = rel.ID, 0, 0
	r.gen = sim.NewRelease(r.policy, s.Gen, sim.ReleaseRNG(r.seed, sim.StreamOf("gameday:"+r.sc.Name), n))
	c.Actual, c.OK = fmt.Sprintf("release %s %s", rel.ID, rel.State), rel.State == judge.StateBaking
	return c, c.OK
}

// Windows sends the release's next windows until a decision other than
// wait (or a wait for one of the expected reasons), at most up to window
// Expect.By, and checks that decision.
type Windows struct {
	Expect Expect
	// Waits, when set, are the only reasons the waits before it may give.
	Waits []judge.Reason
	// Blank removes every canary metric from the windows (its scrape
	// target disappeared).
	Blank bool
	Head  bool
}

func (s Windows) headline() bool { return s.Head }

func (s Windows) Plan() string {
	p := "send windows"
	if s.Blank {
		p += " without any canary metric"
	}
	p += " until a decision: expect " + s.Expect.String()
	if len(s.Waits) > 0 {
		p += fmt.Sprintf(", waiting (%s) before it", joinReasons(s.Waits))
	}
	return p
}

func (s Windows) run(ctx context.Context, r *run) (Check, bool) {
	c := Check{Step: s.Plan(), Expected: s.Expect.String()}
	limit := s.Expect.By
	if limit == 0 {
		limit = r.policy.Windows.Lifetime() + 1
	}
	var d judge.Decision
	var badWait string
	for r.w < limit {
		req := r.gen.Window(r.w + 1)
		if s.Blank {
			req.Canary = judge.Side{}
		}
		if err := r.t.Clock.Reach(ctx, req.Window.End); err != nil {
			c.Actual, c.Detail = "not sent", err.Error()
			return c, false
		}
		var err error
		if d, err = r.t.Client.Analyze(ctx, r.rel, req); err != nil {
			c.Actual, c.Detail = fmt.Sprintf("window %d refused", r.w+1), err.Error()
			return c, false
		}
		r.w++
		r.elapsed = req.Window.End.Sub(sim.T0)
		if d.Action != judge.ActionWait || (s.Expect.Action == judge.ActionWait && slices.Contains(s.Expect.Reasons, d.Reason)) {
			break
		}
		if len(s.Waits) > 0 && badWait == "" && !slices.Contains(s.Waits, d.Reason) {
			badWait = fmt.Sprintf("; before it, window %d waited (%s)", r.w, d.Reason)
		}
	}
	c.Actual, c.Detail = observed(d, r.w)+badWait, d.Message
	c.OK = s.Expect.matches(d, r.w) && badWait == ""
	if s.Head {
		r.mark(c.Actual)
	}
	return c, true
}

// Event is a deploy tool's report.
type Event struct {
	Type   judge.Event
	Detail string
	Expect Expect
	Head   bool
}

func (s Event) headline() bool { return s.Head }

func (s Event) Plan() string {
	return fmt.Sprintf("the deploy tool reports %s: expect %s", s.Type, s.Expect)
}

func (s Event) run(ctx context.Context, r *run) (Check, bool) {
	d, err := r.t.Client.Event(ctx, r.rel, engine.EventRequest{Type: s.Type, Detail: s.Detail})
	return r.decided(s.Plan(), s.Expect, d, err, s.Head)
}

// Override is an operator's order.
type Override struct {
	Action, Reason string
	Expect         Expect
	Head           bool
}

func (s Override) headline() bool { return s.Head }

func (s Override) Plan() string {
	return fmt.Sprintf("an operator overrides: %s (%q): expect %s", s.Action, s.Reason, s.Expect)
}

func (s Override) run(ctx context.Context, r *run) (Check, bool) {
	d, err := r.t.Client.Override(ctx, r.rel, engine.OverrideRequest{Action: s.Action, Reason: s.Reason})
	return r.decided(s.Plan(), s.Expect, d, err, s.Head)
}

// Freeze sets (On) or lifts the service's freeze.
type Freeze struct{ On bool }

func (s Freeze) headline() bool { return false }

func (s Freeze) Plan() string {
	if s.On {
		return "an operator freezes the service (PUT /v1/freezes/service:NAME)"
	}
	return "the operator lifts the freeze (DELETE /v1/freezes/service:NAME)"
}

func (s Freeze) run(ctx context.Context, r *run) (Check, bool) {
	c := Check{Step: s.Plan(), Expected: "done"}
	scope := "service:" + r.service
	var err error
	if s.On {
		err = r.t.Client.Freeze(ctx, scope, "game day: change freeze drill")
	} else {
		err = r.t.Client.Unfreeze(ctx, scope)
	}
	if err != nil {
		c.Actual, c.Detail = "refused", err.Error()
		return c, false
	}
	r.frozen = s.On
	c.Actual, c.OK = "done", true
	return c, true
}

// Elapse lets server time pass with nothing sent: the policy's
// rollback_timeout or stale_after (Of), then the sweeper must act.
type Elapse struct {
	Of     string // "rollback_timeout" | "stale_after"
	Expect Expect
	Head   bool
}

func (s Elapse) headline() bool { return s.Head }

func (s Elapse) Plan() string {
	return fmt.Sprintf("nothing more arrives for the policy's %s: the sweeper must act: expect %s", s.Of, s.Expect)
}

func (s Elapse) run(ctx context.Context, r *run) (Check, bool) {
	d := r.policy.Guards.RollbackTimeout.Duration
	if s.Of == "stale_after" {
		d = r.policy.Windows.StaleAfterOrDefault()
	}
	passed, err := r.t.Clock.Pass(ctx, d, func(ctx context.Context) (bool, error) {
		rel, _, err := r.t.Client.Release(ctx, r.rel)
		return err == nil && rel.State == s.Expect.State, err
	})
	r.elapsed += passed
	if err != nil {
		return Check{Step: s.Plan(), Expected: s.Expect.String(), Actual: "error", Detail: err.Error()}, false
	}
	_, dec, err := r.t.Client.Release(ctx, r.rel)
	return r.decided(s.Plan()+fmt.Sprintf(" (%s passed)", passed.Round(time.Millisecond)), s.Expect, dec, err, s.Head)
}

// decided checks a decision that is not an analysis's.
func (r *run) decided(step string, e Expect, d judge.Decision, err error, head bool) (Check, bool) {
	c := Check{Step: step, Expected: e.String()}
	if err != nil {
		c.Actual, c.Detail = "refused", err.Error()
		return c, false
	}
	c.Actual, c.Detail, c.OK = observed(d, 0), d.Message, e.matches(d, 0)
	if head {
		r.mark(c.Actual)
	}
	return c, true
}

func joinReasons(rs []judge.Reason) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, "|")
}
