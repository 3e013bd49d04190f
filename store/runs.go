package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// RunState is a scheduled run's status, upper case as Spinnaker's webhook
// stage reads it.
type RunState string

const (
	RunRunning   RunState = "RUNNING"
	RunSucceeded RunState = "SUCCEEDED" // the release was promoted
	RunTerminal  RunState = "TERMINAL"  // rollback, escalate, or the run could not go on
	RunCanceled  RunState = "CANCELED"
)

// ErrLeaseLost: a run's window was completed or released with a claim that
// is no longer the run's current one (another worker took it over), or the
// run is no longer running.
var ErrLeaseLost = errors.New("run lease lost")

// Scopes are the label matchers that select a run's canary and baseline
// series (label name -> exact value).
type Scopes struct {
	Canary   map[string]string `json:"canary"`
	Baseline map[string]string `json:"baseline"`
}

// Run is a scheduled analysis of one release: a window every Interval
// from Start, Windows of them at most, each pulled from Source.
type Run struct {
	ID        string `json:"id"`
	ReleaseID string `json:"release_id"`
	Service   string `json:"service"`
	Source    string `json:"source"`
	Scope     Scopes `json:"scope"`
	// Window k (1-based) is [Start + k*Interval - Lookback, Start + k*Interval)
	// and runs once its end plus Delay has passed.
	Start    time.Time      `json:"start"`
	Interval judge.Duration `json:"interval"`
	Lookback judge.Duration `json:"lookback"`
	Delay    judge.Duration `json:"delay"`
	Windows  int            `json:"windows_total"`
	Done     int            `json:"windows_done"`
	State    RunState       `json:"status"`
	// Reason says why a finished run ended (or why it waits).
	Reason   string          `json:"reason,omitempty"`
	Decision *judge.Decision `json:"decision,omitempty"`
	// LatestAnalysisID is the newest analysis the run stored or adopted.
	LatestAnalysisID *int64 `json:"latest_analysis_id,omitempty"`
	// NextDue is when the next window may run (its end plus Delay).
	NextDue   time.Time `json:"next_due"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	CreatedBy string    `json:"created_by,omitempty"`
	// StoredSource says Source is a stored source (PUT /v1/sources), not
	// one of the server's file: CreateRun then fails with ErrNotFound if
	// it has been deleted, and DeleteSource waits for CreateRun (so a
	// source is never deleted under a run being created). Not kept.
	StoredSource bool `json:"-"`
	// Claim counts claims; LeaseOwner holds the run until LeaseUntil.
	Claim      int64      `json:"-"`
	LeaseOwner string     `json:"lease_owner,omitempty"`
	LeaseUntil *time.Time `json:"lease_until,omitempty"`
}

// WindowSpan returns the span of window k (1-based) and when it is due.
func (r Run) WindowSpan(k int) (start, end, due time.Time) {
	end = r.Start.Add(time.Duration(k) * r.Interval.Duration)
	return end.Add(-r.Lookback.Duration), end, end.Add(r.Delay.Duration)
}

// After returns the run as completing its next window with u leaves it:
// Done+1, u's state, reason, decision and analysis (a run still RUNNING
// after its last window becomes TERMINAL), the next window due, no lease.
// Both stores apply this one rule.
func (r Run) After(u RunUpdate) Run {
	r.Done++
	r.State, r.Reason, r.UpdatedAt = u.State, u.Reason, u.At
	if u.Decision != nil {
		d := *u.Decision
		r.Decision = &d
	}
	if u.LatestAnalysisID != nil {
		id := *u.LatestAnalysisID
		r.LatestAnalysisID = &id
	}
	if r.State == RunRunning && r.Done >= r.Windows {
		r.State = RunTerminal
		if r.Reason == "" {
			r.Reason = fmt.Sprintf("lifetime over: all %d windows ran without a promote, rollback or escalate", r.Windows)
		}
	}
	_, _, r.NextDue = r.WindowSpan(r.Done + 1)
	r.LeaseOwner, r.LeaseUntil = "", nil
	return r
}

// AskedQuery is one query a source ran for a window, as it was sent.
type AskedQuery struct {
	Metric string `json:"metric"`
	Side   string `json:"side"`           // canary | baseline
	Part   string `json:"part,omitempty"` // events | total, for count metrics
	Query  string `json:"query"`
	Series int    `json:"series"` // how many series it returned
	Points int    `json:"points"`
	// Problem is what went wrong with this query, if anything (an empty
	// result, several series, the source's error payload).
	Problem string `json:"problem,omitempty"`
	// NonFinite counts the +Inf, -Inf or out-of-range samples it returned.
	NonFinite int `json:"non_finite,omitempty"`
}

// RunWindow is the record of one window a run judged: what was asked,
// what came back, and which analysis holds the judgement.
type RunWindow struct {
	RunID       string        `json:"run_id"`
	Seq         int           `json:"seq"`
	Start       time.Time     `json:"start"`
	End         time.Time     `json:"end"`
	AnalysisID  *int64        `json:"analysis_id,omitempty"`
	SourceError string        `json:"source_error,omitempty"`
	Queries     []AskedQuery  `json:"queries"`
	Action      judge.Action  `json:"action,omitempty"`
	Reason      judge.Reason  `json:"reason,omitempty"`
	Worker      string        `json:"worker"`
	Claim       int64         `json:"claim"`
	Adopted     bool          `json:"adopted,omitempty"` // the analysis was stored by an earlier attempt
	StartedAt   time.Time     `json:"started_at"`
	Lag         time.Duration `json:"-"`
	LagSeconds  float64       `json:"lag_seconds"`
	At          time.Time     `json:"at"`
}

// RunUpdate is how completing a window moves its run on.
type RunUpdate struct {
	State            RunState
	Reason           string
	Decision         *judge.Decision
	LatestAnalysisID *int64
	At               time.Time
}

// RunQuery selects runs, newest first; empty fields select all.
type RunQuery struct {
	State     RunState
	ReleaseID string
	Services  []string // nil: every service
	Limit     int
	// AfterAt/AfterID continue a page (strictly older).
	AfterAt *time.Time
	AfterID string
}

// ClaimedRun is a run a worker now holds; Takeover is set when the
// previous holder's lease expired without completing the window.
type ClaimedRun struct {
	Run      Run
	Takeover bool
}

// SourceRecord is one configured metric source; Config is the backend's
// own document (credentials included: readers redact them).
type SourceRecord struct {
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	Config    json.RawMessage `json:"config"`
	Version   int             `json:"version"`
	UpdatedAt time.Time       `json:"updated_at"`
	UpdatedBy string          `json:"updated_by,omitempty"`
}

// Runs is the scheduled-run side of the store.
type Runs interface {
	// CreateRun inserts r (ID, Service, timestamps, NextDue set by the
	// caller; State becomes RUNNING) and appends audit in one transaction.
	// ErrNotFound when the release does not exist; ErrConflict wrapped in
	// *ActiveRunError when the release has a running run already.
	CreateRun(ctx context.Context, r Run, audit AuditEntry) (Run, error)
	GetRun(ctx context.Context, id string) (Run, error)
	ListRuns(ctx context.Context, q RunQuery) ([]Run, error)
	// RunWindows returns a run's window records, oldest first.
	RunWindows(ctx context.Context, runID string) ([]RunWindow, error)
	// CancelRun ends a running run as CANCELED (its lease with it) and
	// appends audit. ErrNotFound for an unknown run; ErrConflict (and the
	// run as it is) when it is not running.
	CancelRun(ctx context.Context, id, reason string, now time.Time, audit AuditEntry) (Run, error)
	// ClaimRuns leases up to limit running runs whose NextDue is at or
	// before now and that nobody holds (no lease, or one expired before
	// now), skipping rows another replica is claiming, most overdue first.
	// Each claim increments Run.Claim and sets LeaseOwner and LeaseUntil.
	ClaimRuns(ctx context.Context, now time.Time, limit int, lease time.Duration, owner string) ([]ClaimedRun, error)
	// CompleteWindow records window w (its Seq must be Done+1) and moves
	// the run on: Done+1, NextDue to the next window's, State, Reason,
	// Decision and LatestAnalysisID from u (a run whose last window is
	// done and that is still RUNNING becomes TERMINAL), lease cleared.
	// ErrLeaseLost unless claim is the run's current claim, it is running
	// and the window is the next one.
	CompleteWindow(ctx context.Context, runID string, claim int64, w RunWindow, u RunUpdate) (Run, error)
	// ReleaseRun gives a claimed run back (due again at retryAt) without
	// completing its window; ErrLeaseLost as CompleteWindow.
	ReleaseRun(ctx context.Context, runID string, claim int64, retryAt time.Time) error
}

// Sources keeps configured metric sources.
type Sources interface {
	// PutSource creates or replaces a source (Version: previous + 1) and
	// appends audit (without the config: it holds credentials).
	PutSource(ctx context.Context, s SourceRecord, audit AuditEntry) (SourceRecord, error)
	GetSource(ctx context.Context, name string) (SourceRecord, error)
	ListSources(ctx context.Context) ([]SourceRecord, error)
	// DeleteSource removes a source and appends audit: ErrNotFound if
	// there is none, *SourceInUseError while a RUNNING run uses it.
	DeleteSource(ctx context.Context, name string, audit AuditEntry) error
}

// SourceInUseError names the running runs that keep a source from being
// deleted (at most MaxInUseRuns of them).
type SourceInUseError struct {
	Source string
	Runs   []string
}

// MaxInUseRuns bounds the runs a SourceInUseError names.
const MaxInUseRuns = 10

func (e *SourceInUseError) Error() string {
	return "source " + e.Source + " is used by running run(s) " + strings.Join(e.Runs, ", ") + "; cancel them (DELETE /v1/runs/{id}) or let them end first"
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *SourceInUseError) Unwrap() error { return ErrConflict }

// ActiveRunError names the run that blocks a new one.
type ActiveRunError struct{ Active Run }

func (e *ActiveRunError) Error() string {
	return "release " + e.Active.ReleaseID + " already has running run " + e.Active.ID
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ActiveRunError) Unwrap() error { return ErrConflict }
