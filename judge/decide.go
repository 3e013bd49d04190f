package judge

import (
	"fmt"
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
	ReasonBakeComplete          Reason = "bake_complete"
	ReasonMarginal              Reason = "marginal"
	ReasonFailingWindow         Reason = "failing_window"
	ReasonConsecutiveFailures   Reason = "consecutive_failures"
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
	ReasonOverride              Reason = "override"
)

// Window is the outcome of one analysis window of a release.
type Window struct {
	Verdict Verdict   `json:"verdict"`
	Error   bool      `json:"error,omitempty"` // the source failed; no verdict
	At      time.Time `json:"at"`
}

func (w Window) missing() bool { return w.Error || w.Verdict == VerdictNoData }

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
	Verdict             Verdict        `json:"verdict,omitempty"`
	Score               *float64       `json:"score,omitempty"`
	Windows             int            `json:"windows"`
	ConsecutiveFailures int            `json:"consecutive_failures"`
	ConsecutiveNoData   int            `json:"consecutive_nodata"`
	FailingMetrics      []string       `json:"failing_metrics,omitempty"`
	CeilingBreaches     []string       `json:"ceiling_breaches,omitempty"`
	BaselineBreaches    []string       `json:"baseline_breaches,omitempty"`
	BakeElapsed         string         `json:"bake_elapsed,omitempty"`
	SourceError         string         `json:"source_error,omitempty"`
	Candidate           *Candidate     `json:"candidate,omitempty"` // what the analysis alone asked for, when a guard changed it
	Guard               map[string]any `json:"guard,omitempty"`     // the guard's numbers (cap counts, freeze, migrations)
	Event               string         `json:"event,omitempty"`
	Detail              string         `json:"detail,omitempty"`
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
	History   []Window  // earlier windows, oldest first
	Result    *Result   // nil when the source failed
	SourceErr string    // why the source failed
	Now       time.Time
}

// Propose turns one window into a candidate decision: the analysis's own
// wish, before any guard. Pure: time is passed in.
func Propose(in AnalysisInput) Decision {
	cur := Window{At: in.Now, Error: in.Result == nil}
	if in.Result != nil {
		cur.Verdict = in.Result.Verdict
	}
	all := append(append([]Window(nil), in.History...), cur)
	w := in.Policy.Windows
	ev := Evidence{Windows: len(all), SourceError: in.SourceErr, BakeElapsed: in.Now.Sub(in.CreatedAt).Round(time.Second).String()}
	ev.ConsecutiveFailures = trailing(all, func(x Window) bool { return !x.Error && x.Verdict == VerdictFail })
	ev.ConsecutiveNoData = trailing(all, Window.missing)
	if r := in.Result; r != nil {
		score := r.Score
		ev.Verdict, ev.Score = r.Verdict, &score
		ev.CeilingBreaches, ev.BaselineBreaches = r.CeilingBreaches, r.BaselineBreaches
		ev.FailingMetrics = failingMetrics(r)
	}
	d := Decision{Evidence: ev}
	switch {
	case cur.missing():
		reason, what := ReasonNoData, "no data"
		if cur.Error {
			reason, what = ReasonSourceError, "metric source error"
		}
		if ev.ConsecutiveNoData >= w.ConsecutiveNoData {
			return d.with(ActionEscalate, reason, fmt.Sprintf("%s for %d consecutive windows (limit %d)", what, ev.ConsecutiveNoData, w.ConsecutiveNoData))
		}
		return d.with(ActionWait, reason, fmt.Sprintf("%s in this window (%d of %d before escalating); never promoting on missing data", what, ev.ConsecutiveNoData, w.ConsecutiveNoData))
	case len(ev.CeilingBreaches) > 0:
		return d.with(ActionRollback, ReasonCriticalCeiling, fmt.Sprintf("canary breached the absolute ceiling of %v", ev.CeilingBreaches))
	case cur.Verdict == VerdictFail && ev.ConsecutiveFailures >= w.ConsecutiveFailures:
		return d.with(ActionRollback, ReasonConsecutiveFailures, fmt.Sprintf("%d consecutive failing windows (limit %d); failing metrics %v", ev.ConsecutiveFailures, w.ConsecutiveFailures, ev.FailingMetrics))
	case cur.Verdict == VerdictFail:
		return d.with(ActionWait, ReasonFailingWindow, fmt.Sprintf("window failed (%d of %d consecutive failures before rollback); failing metrics %v", ev.ConsecutiveFailures, w.ConsecutiveFailures, ev.FailingMetrics))
	case cur.Verdict == VerdictMarginal:
		return d.with(ActionWait, ReasonMarginal, fmt.Sprintf("score %.2f is marginal (pass needs %.2f)", in.Result.Score, in.Policy.Thresholds.Pass))
	}
	elapsed := in.Now.Sub(in.CreatedAt)
	if len(all) < w.MinWindows || elapsed < w.MinBake.Duration {
		return d.with(ActionWait, ReasonBakeIncomplete, fmt.Sprintf("window passed; bake incomplete: %d of %d windows, %s of %s", len(all), w.MinWindows, elapsed.Round(time.Second), w.MinBake.Duration))
	}
	recent := all[len(all)-max(w.MinWindows, 1):]
	if trailing(recent, func(x Window) bool { return !x.missing() && x.Verdict == VerdictPass }) < len(recent) {
		return d.with(ActionWait, ReasonRecentNotPassing, fmt.Sprintf("the last %d windows are not all passing", len(recent)))
	}
	return d.with(ActionPromote, ReasonBakeComplete, fmt.Sprintf("%d windows over %s, the last %d passing with data", len(all), elapsed.Round(time.Second), len(recent)))
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
