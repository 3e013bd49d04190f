// Package report builds the release report: everything a release engineer
// needs to see why canaryjudge decided what it did, in one value. The JSON
// API (GET /v1/releases/{id}/report) and the web UI (/ui/releases/{id})
// render the same Report, built once by Build.
//
// A metric's evidence over windows is a list of named interval series
// (Metric.Series): the per-window effect intervals and the pooled intervals
// each decision saw. A new kind of evidence (a confidence sequence, say) is
// one more Series; charts and templates draw every series they are given.
package report

import (
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// Report is one release's report.
type Report struct {
	Release store.Release `json:"release"`
	// Headline answers "why" first: for a rolled-back, rolling-back or
	// halted release, Cause.Summary (the decisive metrics, their effect and
	// interval against the allowance, the windows with their times); for
	// any other, the state and the latest decision in one sentence.
	Headline string    `json:"headline"`
	Cause    *Cause    `json:"cause,omitempty"`
	Latest   *Decision `json:"latest_decision,omitempty"`
	// NextSteps are the override calls a halted release accepts and who
	// may make them (halted releases only).
	NextSteps *NextSteps `json:"next_steps,omitempty"`
	// Window is the seq of the window the per-metric distributions and
	// effects show (0 when the release has no window with data yet).
	Window     int         `json:"window"`
	Windows    []Window    `json:"windows"`
	Timeline   []Entry     `json:"timeline"`
	Metrics    []Metric    `json:"metrics"`
	Gate       Gate        `json:"migration_gate"`
	Pages      []Page      `json:"pages"`
	Thresholds *Thresholds `json:"thresholds,omitempty"`
}

// Thresholds are the score thresholds the windows were judged with.
type Thresholds struct {
	Pass     float64 `json:"pass"`
	Marginal float64 `json:"marginal"`
}

// Decision is a decision with when, why and by whom it was made.
type Decision struct {
	judge.Decision
	At      time.Time `json:"at"`
	Trigger string    `json:"trigger"` // analysis | event | override | sweeper
	Actor   string    `json:"actor"`
}

// Window is one analysis window and the decision made on it.
type Window struct {
	Seq         int           `json:"seq"`
	AnalysisID  int64         `json:"analysis_id"`
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	Verdict     judge.Verdict `json:"verdict,omitempty"` // empty when the source failed
	Score       *float64      `json:"score,omitempty"`
	Reason      string        `json:"reason,omitempty"` // why the verdict
	SourceError string        `json:"source_error,omitempty"`
	Action      judge.Action  `json:"action,omitempty"`
	Decided     judge.Reason  `json:"decision_reason,omitempty"`
	State       judge.State   `json:"state,omitempty"`
	// Intervention is set when a guard changed what the window alone asked for.
	Intervention *Intervention `json:"intervention,omitempty"`
}

// Intervention is a guard overriding the candidate decision.
type Intervention struct {
	Guard     judge.Reason   `json:"guard"` // the guard's reason code (frozen, migration_incompatible, ...)
	Wanted    judge.Action   `json:"wanted"`
	WantedWhy judge.Reason   `json:"wanted_reason"`
	Got       judge.Action   `json:"got"`
	Numbers   map[string]any `json:"numbers,omitempty"`
	// Text is the intervention in words (GuardNumbers), for people.
	Text string `json:"text"`
}

// Entry is one line of the decision timeline: the release's creation, each
// judged window, each event the deploy tool reported, each override and
// each sweeper action, oldest first.
type Entry struct {
	At    time.Time `json:"at"`
	Kind  string    `json:"kind"` // created | window | event | override | sweeper | duplicate
	Actor string    `json:"actor"`
	Seq   int       `json:"seq,omitempty"` // the window, for kind window
	// Window is the judged window's start and end (kind window), the
	// window time bake time is measured in; At is when it was received.
	Window       *judge.Span   `json:"window,omitempty"`
	Verdict      judge.Verdict `json:"verdict,omitempty"`
	Score        *float64      `json:"score,omitempty"`
	Event        string        `json:"event,omitempty"`
	Detail       string        `json:"detail,omitempty"` // an override's or event's reason
	Action       judge.Action  `json:"action,omitempty"`
	Reason       judge.Reason  `json:"reason,omitempty"`
	StateFrom    judge.State   `json:"state_from,omitempty"`
	State        judge.State   `json:"state,omitempty"`
	Message      string        `json:"message,omitempty"`
	Page         bool          `json:"page,omitempty"`
	Intervention *Intervention `json:"intervention,omitempty"`
}

// Metric is one metric's evidence: its allowance, the chosen window's
// distributions and effect, and its intervals over the windows.
type Metric struct {
	Name           string               `json:"name"`
	Group          string               `json:"group"`
	Kind           string               `json:"kind,omitempty"`
	Direction      judge.Direction      `json:"direction"`
	Critical       bool                 `json:"critical"`
	Measure        string               `json:"measure"`
	Classification judge.Classification `json:"classification"` // in the chosen window
	Rule           judge.Rule           `json:"rule"`
	Reason         string               `json:"reason"`
	Allowance      Band                 `json:"allowance"`
	Effect         *Point               `json:"effect,omitempty"` // the chosen window's
	Distribution   *Distribution        `json:"distribution,omitempty"`
	Canary         judge.SideStats      `json:"canary"`
	Baseline       judge.SideStats      `json:"baseline"`
	Series         []Series             `json:"series"`
}

// Band is the allowance in the measure's units: an effect interval wholly
// above Upper or below Lower fails the metric. A nil bound is no limit (the
// direction the policy does not mind). Neutral is the no-change value
// (1 for ratios, 0 for differences, 0.5 for cles).
type Band struct {
	Lower   *float64 `json:"lower"`
	Upper   *float64 `json:"upper"`
	Neutral float64  `json:"neutral"`
	Floor   float64  `json:"floor,omitempty"`
}

// Series is one named sequence of intervals over the release's windows.
type Series struct {
	Name   string  `json:"name"`  // window | pooled | ...
	Label  string  `json:"label"` // for a legend
	Points []Point `json:"points"`
}

// Point is an effect with its interval at one window; a nil bound is
// unbounded.
type Point struct {
	Seq            int                  `json:"seq"`
	Value          *float64             `json:"value"`
	Lower          *float64             `json:"lower"`
	Upper          *float64             `json:"upper"`
	Level          float64              `json:"level,omitempty"`
	Classification judge.Classification `json:"classification,omitempty"`
}

// Distribution is both sides' values in the chosen window: the points as
// sent (plain series) or the per-point rates events/total (counts).
type Distribution struct {
	Of       string    `json:"of"`     // value | rate
	Source   string    `json:"source"` // points (from the window's input) | summary (min, median, mean, max only)
	Canary   Quantiles `json:"canary"`
	Baseline Quantiles `json:"baseline"`
}

// Quantiles summarise one side (R's type 7 quantiles); nil when unknown.
type Quantiles struct {
	N      int      `json:"n"`
	Min    *float64 `json:"min"`
	Q1     *float64 `json:"q1"`
	Median *float64 `json:"median"`
	Q3     *float64 `json:"q3"`
	Max    *float64 `json:"max"`
	Mean   *float64 `json:"mean"`
}

// Gate is the migration gate's view of the release: whether an automatic
// rollback may cross its migrations, and why not.
type Gate struct {
	AutoRollback bool        `json:"auto_rollback"`
	Reason       string      `json:"reason"`
	Migrations   []Migration `json:"migrations"`
}

// Migration is one declared migration with what the classifier found.
type Migration struct {
	ID         string                   `json:"id"`
	Declared   judge.Compat             `json:"declared,omitempty"`
	Classified judge.Compat             `json:"classified,omitempty"`
	Effective  judge.Compat             `json:"effective"`
	Blocks     bool                     `json:"blocks"`
	Blocking   []judge.MigrationFinding `json:"blocking"`
	Warnings   []judge.MigrationFinding `json:"warnings"`
}

// Page is one notification of the release (the outbox).
type Page struct {
	ID          int64      `json:"id"`
	Kind        string     `json:"kind"` // page | resolve | info
	Severity    string     `json:"severity"`
	Summary     string     `json:"summary"`
	Sink        string     `json:"sink"` // webhook | pagerduty | slack
	State       string     `json:"state"`
	Attempts    int        `json:"attempts"`
	LastError   string     `json:"last_error,omitempty"`
	CreatedAt   time.Time  `json:"created_at"`
	DeliveredAt *time.Time `json:"delivered_at,omitempty"`
	DeadAt      *time.Time `json:"dead_at,omitempty"`
}

func pageOf(e outbox.Entry) Page {
	return Page{ID: e.ID, Kind: e.Kind, Severity: e.Severity, Summary: e.Summary, Sink: e.Sink.Kind, State: e.State,
		Attempts: e.Attempts, LastError: e.LastError, CreatedAt: e.CreatedAt, DeliveredAt: e.DeliveredAt, DeadAt: e.DeadAt}
}
