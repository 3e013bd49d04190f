// Package gameday runs scripted bad-canary scenarios against a canaryjudge
// server and checks what it decides: each scenario creates a service
// policy (derived from a base policy) and a release, feeds it windows from
// the simulator's generators (package sim, the same as `canaryjudge
// simulate`), sends the deploy tool's events and the operators' orders the
// scenario needs, and compares every decision, reason and window with what
// the design promises. Notifications go to a sink of the game day's own
// (Sink), so pages are checked too.
//
// It talks to the server only through Client (HTTP) and Clock (how server
// time passes): the embedded server (StartEmbedded: the real server on the
// memory store, on a loopback listener, with a clock the game day moves and
// a sweeper it runs) and a deployment (NewClient, RealClock) run the same
// scenarios through the same code. Window times are synthetic (stamped by
// the generators), so a game day takes seconds, not the policy's bake time.
package gameday

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Scenario is one scripted release story and what must come of it.
type Scenario struct {
	Name  string `json:"name"`
	About string `json:"about"` // what it proves
	Fault string `json:"fault"` // the injected fault
	// Skip says why the scenario cannot run on this policy ("" = it can),
	// e.g. a latency regression on a policy without a latency metric.
	Skip string `json:"skip,omitempty"`
	// Policy is the scenario's service policy (notify sinks are set when
	// it runs); Tweaks say how it differs from the base policy.
	Policy judge.Policy `json:"-"`
	Tweaks []string     `json:"tweaks,omitempty"`
	Steps  []Step       `json:"-"`
	// Expect is the headline outcome, as the table shows it; it is the
	// expectation of the step marked Headline.
	Expect Expect `json:"expect"`
	// Notes are the notifications the sink must receive for the
	// scenario's releases, counted once per outbox message.
	Notes Notes `json:"notifications"`
}

// Notes counts notifications by kind.
type Notes struct {
	Page    int `json:"page"`
	Resolve int `json:"resolve"`
	Info    int `json:"info"`
}

func (n Notes) String() string {
	return fmt.Sprintf("%d page, %d resolve, %d info", n.Page, n.Resolve, n.Info)
}

// Expect is a decision the server must make.
type Expect struct {
	Action  judge.Action   `json:"action,omitempty"`
	Reasons []judge.Reason `json:"reasons,omitempty"` // any of them; empty = any reason
	State   judge.State    `json:"state,omitempty"`   // the release's state after it; empty = any
	// Candidate, when set, is what the analysis alone asked for before a
	// guard changed it (evidence.candidate.action).
	Candidate judge.Action `json:"candidate,omitempty"`
	From      int          `json:"from,omitempty"` // not before this window (1-based; 0 = any)
	By        int          `json:"by,omitempty"`   // at or before this window (0 = no bound)
}

// String reads like the plan: "rollback (critical_ceiling) by window 1".
func (e Expect) String() string {
	s := string(e.Action)
	switch {
	case slices.Equal(e.Reasons, Regression):
		s += " (a regression)"
	case len(e.Reasons) > 0:
		s += " (" + joinReasons(e.Reasons) + ")"
	}
	if e.Candidate != "" {
		s += ", asked " + string(e.Candidate)
	}
	if e.State != "" && (e.Action == "" || judge.StateFor(e.Action) != e.State) {
		s = strings.TrimPrefix(s+", state "+string(e.State), ", ")
	}
	switch {
	case e.From > 0 && e.From == e.By:
		s += fmt.Sprintf(" at window %d", e.By)
	case e.From > 0 && e.By > 0:
		s += fmt.Sprintf(" in windows %d-%d", e.From, e.By)
	case e.By > 0:
		s += fmt.Sprintf(" by window %d", e.By)
	case e.From > 0:
		s += fmt.Sprintf(" not before window %d", e.From)
	}
	return s
}

// matches reports whether d, made at window w (0 = not an analysis), is
// the expected decision.
func (e Expect) matches(d judge.Decision, w int) bool {
	if e.Action != "" && d.Action != e.Action {
		return false
	}
	if len(e.Reasons) > 0 && !slices.Contains(e.Reasons, d.Reason) {
		return false
	}
	if e.State != "" && d.State != e.State {
		return false
	}
	if e.Candidate != "" && (d.Evidence.Candidate == nil || d.Evidence.Candidate.Action != e.Candidate) {
		return false
	}
	return w == 0 || ((e.From == 0 || w >= e.From) && (e.By == 0 || w <= e.By))
}

// observed describes what happened, in the expectation's words.
func observed(d judge.Decision, w int) string {
	s := fmt.Sprintf("%s (%s)", d.Action, d.Reason)
	if d.Evidence.Candidate != nil {
		s += ", asked " + string(d.Evidence.Candidate.Action)
	}
	if judge.StateFor(d.Action) != d.State {
		s += ", state " + string(d.State)
	}
	if w > 0 {
		s += fmt.Sprintf(" at window %d", w)
	}
	return s
}

// Result is one scenario's outcome.
type Result struct {
	Scenario string `json:"scenario"`
	About    string `json:"about"`
	Service  string `json:"service,omitempty"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Window   int    `json:"window,omitempty"` // the window of the headline decision
	// ToDecision is the server time from the release's first window to
	// the headline decision (window time plus any time let pass).
	ToDecision time.Duration `json:"to_decision_ns"`
	Took       time.Duration `json:"took_ns"` // wall time of the scenario
	Status     string        `json:"status"`  // PASS | FAIL | SKIP
	Skip       string        `json:"skip,omitempty"`
	Checks     []Check       `json:"checks"`
	Releases   []string      `json:"releases,omitempty"`
}

// Check is one comparison of expected and actual.
type Check struct {
	Step     string `json:"step"`
	Expected string `json:"expected"`
	Actual   string `json:"actual"`
	Detail   string `json:"detail,omitempty"` // the decision's message or the error
	OK       bool   `json:"ok"`
}

// Failed lists the checks that did not hold.
func (r Result) Failed() []Check {
	var out []Check
	for _, c := range r.Checks {
		if !c.OK {
			out = append(out, c)
		}
	}
	return out
}

// WithExpect replaces the headline expectation's action and, when reason
// is not empty, its reasons: a deliberately wrong expectation shows what a
// failure looks like.
func (s Scenario) WithExpect(action judge.Action, reason judge.Reason) Scenario {
	steps := slices.Clone(s.Steps)
	for i, st := range steps {
		if !st.headline() {
			continue
		}
		e := headlineOf([]Step{st})
		e.Action, e.State, e.Candidate, e.Reasons = action, "", "", nil
		if reason != "" {
			e.Reasons = []judge.Reason{reason}
		}
		switch st := st.(type) {
		case Windows:
			st.Expect = e
			steps[i] = st
		case Event:
			st.Expect = e
			steps[i] = st
		case Override:
			st.Expect = e
			steps[i] = st
		case Elapse:
			st.Expect = e
			steps[i] = st
		}
	}
	s.Steps = steps
	s.Expect = headlineOf(steps)
	return s
}
