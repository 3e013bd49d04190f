package judge

import (
	"time"
)

// Action is what the deploy tool should do.
type Action string

const (
	ActionPromote  Action = "promote"
	ActionWait     Action = "wait"
	ActionRollback Action = "rollback"
	ActionEscalate Action = "escalate"
)

// Reason is the machine-readable why of a decision.
type Reason string

const (
	ReasonBakeIncomplete        Reason = "bake_incomplete"
	ReasonRecentNotPassing      Reason = "recent_not_passing"
	ReasonPooledNotPassing      Reason = "pooled_not_passing"
	ReasonBakeComplete          Reason = "bake_complete"
	ReasonLifetimeComplete      Reason = "lifetime_complete"
	ReasonUnsettled             Reason = "evidence_unsettled"
	ReasonSequentialRegression  Reason = "sequential_regression"
	ReasonSequentialSettled     Reason = "sequential_settled"
	ReasonSequentialWait        Reason = "sequential_wait"
	ReasonMarginal              Reason = "marginal"
	ReasonFailingWindow         Reason = "failing_window"
	ReasonConsecutiveFailures   Reason = "consecutive_failures"
	ReasonConsecutiveMarginal   Reason = "consecutive_marginal"
	ReasonSustainedRegression   Reason = "sustained_regression"
	ReasonPooledRegression      Reason = "pooled_regression"
	ReasonLifetimeExhausted     Reason = "lifetime_exhausted"
	ReasonCriticalCeiling       Reason = "critical_ceiling"
	ReasonNoData                Reason = "no_data"
	ReasonSourceError           Reason = "source_error"
	ReasonFrozen                Reason = "frozen"
	ReasonThrash                Reason = "thrash_protection"
	ReasonMigrationIncompatible Reason = "migration_incompatible"
	ReasonRollbackCap           Reason = "rollback_cap"
	ReasonBaselineUnhealthy     Reason = "baseline_unhealthy"
	ReasonRollbackStuck         Reason = "rollback_stuck"
	ReasonRollbackFailed        Reason = "rollback_failed"
	ReasonRollbackCompleted     Reason = "rollback_completed"
	ReasonPromotedByTool        Reason = "promoted_by_tool"
	ReasonRolledBackByTool      Reason = "rolled_back_by_tool"
	ReasonOverride              Reason = "override"
)

// Window is the outcome of one analysis window of a release: its times
// (Start to At, the end), its verdict and what later windows need of each
// metric (streaks and pooling).
type Window struct {
	Verdict Verdict   `json:"verdict"`
	Error   bool      `json:"error,omitempty"` // the source failed; no verdict
	Start   time.Time `json:"start"`
	At      time.Time `json:"at"` // the end of the window
	// Metrics is kept by the store beside the window (not in its JSON).
	Metrics []MetricSummary `json:"-"`
}

// missing reports whether the window lacked data: a source error, a nodata
// verdict, or (kayenta mode, which may still pass it) a critical metric
// without canary data.
func (w Window) missing() bool {
	if w.Error || w.Verdict == VerdictNoData {
		return true
	}
	for _, s := range w.Metrics {
		if s.NoCanary {
			return true
		}
	}
	return false
}

// thin reports whether w, though missing, holds data a pool can use: a
// metric too thin to judge alone, or judged.
func (w Window) thin() bool {
	if w.Error {
		return false
	}
	for _, s := range w.Metrics {
		if s.Thin || s.Class != ClassNoData {
			return true
		}
	}
	return false
}

// failed reports whether metric name failed on its own data in w.
func (w Window) failed(name string) bool {
	for _, m := range w.Metrics {
		if m.Name == name {
			return m.Class == ClassHigh || m.Class == ClassLow
		}
	}
	return false
}

// Decision is canaryjudge's answer, with the evidence behind it.
type Decision struct {
	Action     Action   `json:"action"`
	Reason     Reason   `json:"reason"`
	State      State    `json:"state"`
	Message    string   `json:"message"`
	RollbackTo string   `json:"rollback_to,omitempty"`
	Page       bool     `json:"page"`
	Evidence   Evidence `json:"evidence"`
}

// Evidence is the numbers a decision rests on.
type Evidence struct {
	Verdict             Verdict          `json:"verdict,omitempty"`
	Score               *float64         `json:"score,omitempty"`
	Windows             int              `json:"windows"`
	MaxWindows          int              `json:"max_windows,omitempty"`
	LifetimeOver        bool             `json:"lifetime_over,omitempty"`
	Window              *Span            `json:"window,omitempty"`
	ConsecutiveFailures int              `json:"consecutive_failures"`
	ConsecutiveNoData   int              `json:"consecutive_nodata"`
	FailingMetrics      []string         `json:"failing_metrics,omitempty"`
	Streaks             map[string]int   `json:"streaks,omitempty"` // failing metric -> consecutive windows it failed
	Pooled              *PooledEvidence  `json:"pooled,omitempty"`
	Sequence            []MetricSequence `json:"sequence,omitempty"` // mode sequential: each metric's confidence sequence now
	CeilingBreaches     []string         `json:"ceiling_breaches,omitempty"`
	BaselineBreaches    []string         `json:"baseline_breaches,omitempty"`
	BakeElapsed         string           `json:"bake_elapsed,omitempty"`
	SourceError         string           `json:"source_error,omitempty"`
	Candidate           *Candidate       `json:"candidate,omitempty"` // what the analysis alone asked for, when a guard changed it
	Guard               map[string]any   `json:"guard,omitempty"`     // the guard's numbers (cap counts, freeze, migrations)
	Event               string           `json:"event,omitempty"`
	Detail              string           `json:"detail,omitempty"`
}

// Span is a window's start and end.
type Span struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Candidate is the action an analysis asks for before the guards.
type Candidate struct {
	Action Action `json:"action"`
	Reason Reason `json:"reason"`
}

// AnalysisInput is one judged window of a baking release.
type AnalysisInput struct {
	Policy    Policy
	CreatedAt time.Time // when the release started baking
	History   []Window  // every earlier window, oldest first (when Running is nil)
	// Running is the release's running state before this window (nil:
	// folded from History), under PolicyVersion.
	Running       *Running
	PolicyVersion int
	Result        *Result // nil when the source failed
	SourceErr     string  // why the source failed
	// Start and End are this window's times. A zero End is Now; a zero
	// Start is the end of the previous window (CreatedAt for the first).
	Start, End time.Time
	Now        time.Time
}

// Window completes the current window from the input: what Propose
// judges as the newest window, and what a store keeps of it.
func (in AnalysisInput) Window() Window {
	cur := Window{Start: in.Start, At: in.End, Error: in.Result == nil}
	if cur.At.IsZero() {
		cur.At = in.Now
	}
	if cur.Start.IsZero() {
		cur.Start = in.CreatedAt
		if r := in.Running; r != nil && r.Windows > 0 {
			cur.Start = r.LastEnd
		} else if n := len(in.History); n > 0 {
			cur.Start = in.History[n-1].At
		}
	}
	if in.Result != nil {
		cur.Verdict, cur.Metrics = in.Result.Verdict, in.Result.Summaries()
	}
	return cur
}

func (d Decision) with(a Action, r Reason, msg string) Decision {
	d.Action, d.Reason, d.Message = a, r, msg
	d.State = StateFor(a)
	d.Page = a == ActionEscalate
	return d
}

// StateFor is the release state an automatic action leads to.
func StateFor(a Action) State {
	switch a {
	case ActionPromote:
		return StatePromoted
	case ActionRollback:
		return StateRollingBack
	case ActionEscalate:
		return StateHalted
	}
	return StateBaking
}

// trailing counts the windows at the end of ws that satisfy ok.
func trailing(ws []Window, ok func(Window) bool) int {
	n := 0
	for i := len(ws) - 1; i >= 0 && ok(ws[i]); i-- {
		n++
	}
	return n
}

func failingMetrics(r *Result) []string {
	var out []string
	for _, m := range r.Metrics {
		if m.Classification == ClassHigh || m.Classification == ClassLow {
			out = append(out, m.Name)
		}
	}
	return out
}
