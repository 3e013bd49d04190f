package store

import (
	"bytes"
	"context"
	"encoding/json"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// Release is one rollout of Version over BaselineVersion of a service to
// one target.
type Release struct {
	ID              string            `json:"id"`
	Service         string            `json:"service"`
	Target          string            `json:"target"`
	Version         string            `json:"version"`
	BaselineVersion string            `json:"baseline_version"`
	Migrations      []judge.Migration `json:"migrations"`
	State           judge.State       `json:"state"`
	StateReason     judge.Reason      `json:"state_reason,omitempty"`
	PolicyVersion   int               `json:"policy_version"` // newest policy when created
	CreatedAt       time.Time         `json:"created_at"`
	UpdatedAt       time.Time         `json:"updated_at"`
	// RollbackDeadline is set when a rollback is ordered: no
	// rollback_completed by then and the sweeper halts the release.
	RollbackStartedAt *time.Time `json:"rollback_started_at,omitempty"`
	RollbackDeadline  *time.Time `json:"rollback_deadline,omitempty"`
	AutoRollbacks     int        `json:"auto_rollbacks"`
	// AnalysisDeadline is set while baking: no analysis by then (the
	// policy's windows.stale_after after the last one, or after creation)
	// and the sweeper escalates the release (no_analysis).
	AnalysisDeadline *time.Time `json:"analysis_deadline,omitempty"`
	// RollbackAttempted: a rollback was ever ordered (decides where a
	// resolve override takes a halted release).
	RollbackAttempted bool `json:"rollback_attempted"`
}

// Analysis is one stored window judgement.
type Analysis struct {
	ID            int64         `json:"id"`
	ReleaseID     string        `json:"release_id"`
	Seq           int           `json:"seq"` // 1, 2, ... per release
	Window        judge.Window  `json:"window"`
	Result        *judge.Result `json:"result,omitempty"` // nil when the source failed
	SourceError   string        `json:"source_error,omitempty"`
	PolicyVersion int           `json:"policy_version"`
	CreatedAt     time.Time     `json:"created_at"`
	// ResultJSON is Result as EncodeJSON encodes it, when the caller has
	// it (the engine encodes a result once, for the store and for its
	// response): a store that keeps the result as JSON saves these bytes
	// instead of encoding the result again. Stores never return it.
	ResultJSON []byte `json:"-"`
}

// DecisionRecord is one stored decision, automatic or human.
type DecisionRecord struct {
	ID         int64          `json:"id"`
	ReleaseID  string         `json:"release_id"`
	Service    string         `json:"service"`
	Target     string         `json:"target"`
	AnalysisID *int64         `json:"analysis_id,omitempty"`
	Trigger    string         `json:"trigger"` // analysis | event | override | sweeper
	Actor      string         `json:"actor"`
	Automatic  bool           `json:"automatic"` // an automatic rollback counts toward the cap
	StateFrom  judge.State    `json:"state_from"`
	Decision   judge.Decision `json:"decision"`
	CreatedAt  time.Time      `json:"created_at"`
	// DecisionJSON is Decision as EncodeJSON encodes it, when the caller
	// has it; as Analysis.ResultJSON.
	DecisionJSON []byte `json:"-"`
}

// AuditEntry is one line of the append-only audit log.
type AuditEntry struct {
	ID            int64           `json:"id"`
	At            time.Time       `json:"at"`
	Actor         string          `json:"actor"`
	Action        string          `json:"action"` // e.g. analysis, event:rollback_failed, override:halt, freeze:put
	Service       string          `json:"service,omitempty"`
	ReleaseID     string          `json:"release_id,omitempty"`
	PolicyVersion int             `json:"policy_version,omitempty"`
	Input         json.RawMessage `json:"input,omitempty"`
	Output        json.RawMessage `json:"output,omitempty"`
}

// Verdict is one row of a service's verdict history (also the SQL view
// verdict_history that dashboards read). Verdict and Score are empty when
// the metric source failed; Action, Reason and State are those of the
// newest decision made on the window, empty when none was.
type Verdict struct {
	AnalysisID int64         `json:"analysis_id"`
	ReleaseID  string        `json:"release_id"`
	Service    string        `json:"service"`
	Target     string        `json:"target"`
	Version    string        `json:"version"`
	Seq        int           `json:"seq"`
	Verdict    judge.Verdict `json:"verdict"`
	Score      *float64      `json:"score,omitempty"`
	Action     judge.Action  `json:"action"`
	Reason     judge.Reason  `json:"reason"`
	State      judge.State   `json:"state"`
	At         time.Time     `json:"at"`
}

// VerdictQuery selects verdict history, newest first, by keyset.
// Empty Service means every service; Since is inclusive, Until exclusive;
// Limit <= 0 means no limit.
type VerdictQuery struct {
	Service      string
	Since, Until *time.Time
	Limit        int
	// After continues a page: rows strictly older than (AfterAt, AfterID).
	// Ignored when AfterAt is nil.
	AfterAt *time.Time
	AfterID int64
}

// StoredResponse is a response kept for an Idempotency-Key. Body comes back
// byte for byte as saved. The store never compares RequestHash with a new
// request's; the caller does.
type StoredResponse struct {
	RequestHash string
	Status      int
	Body        json.RawMessage
}

// Idem names an idempotent request: Scope is the route and caller, Key the
// client's Idempotency-Key, Hash a digest of the request body.
type Idem struct {
	Scope, Key, Hash string
}

// ReleaseTx is a unit of work on one release while holding its lock (row
// lock in PostgreSQL). Everything written through it commits or rolls back
// together: analysis, decision, release state, audit, outbox, idempotency.
//
// Both stores keep timestamps in UTC truncated to microseconds. Writes fill
// an empty ReleaseID (and Service, Target where the record has them) with
// the unit's release; an analysis or decision for another release is
// refused. A write that fails (ErrConflict, ErrNotFound, ...) aborts the
// unit: it will not commit even if fn ignores the error and returns nil.
// A ReleaseTx is not safe for concurrent use and is dead once fn returns.
//
// A write may be checked when it is made or sent with the commit (the
// PostgreSQL store queues writes and sends them with COMMIT: pipeline.go):
// its error is then InRelease's. Either way a unit with a failed write
// keeps nothing, and every read of the unit sees its earlier writes.
type ReleaseTx interface {
	// Release is the locked release, as updated by UpdateRelease so far.
	Release() Release
	// Policy returns the service's newest policy.
	Policy(ctx context.Context) (PolicyRecord, error)
	// Windows returns up to limit most recent earlier windows, oldest first
	// (limit <= 0: all), including any saved in this unit.
	Windows(ctx context.Context, limit int) ([]judge.Window, error)
	// Freeze returns the freeze in force at now for the release's service
	// (global or service scope, global preferred), nil if none. In force:
	// ExpiresAt nil or after now.
	Freeze(ctx context.Context, now time.Time) (*judge.Freeze, error)
	// CountRollbacks takes the fleet-wide rollback-cap lock (held until the
	// unit of work ends) and counts automatic rollbacks since the given time
	// (inclusive) for the release's service and for the whole fleet: saved
	// decisions with Automatic set and action rollback, this unit's included.
	CountRollbacks(ctx context.Context, since time.Time) (service, fleet int, err error)
	// Idempotent returns the stored response for idem, nil if none.
	Idempotent(ctx context.Context, idem Idem) (*StoredResponse, error)
	// SaveAnalysis sets ID and Seq (previous max + 1); a zero Window.At
	// becomes CreatedAt.
	SaveAnalysis(ctx context.Context, a *Analysis) error
	// SaveDecision sets ID; an AnalysisID naming no analysis is ErrNotFound.
	SaveDecision(ctx context.Context, d *DecisionRecord) error
	// UpdateRelease writes State, StateReason, UpdatedAt (a zero one is
	// left as it was), AnalysisDeadline and the rollback fields of the
	// unit's release (r.ID must be its id); other fields are ignored.
	UpdateRelease(ctx context.Context, r Release) error
	// Audit appends; an entry without Action is not recorded.
	Audit(ctx context.Context, e AuditEntry) error
	// Enqueue adds outbox rows, due at their CreatedAt; ID and Claim are
	// ignored. A message names its sink (outbox.SinkRef), never copies it.
	Enqueue(ctx context.Context, msgs ...outbox.Message) error
	// SaveIdempotent keeps a response, body byte for byte (nil allowed); a
	// taken scope+key is ErrConflict.
	SaveIdempotent(ctx context.Context, idem Idem, status int, body []byte) error
	// Evidence returns the release's running evidence as last saved (this
	// unit's included), nil if none.
	Evidence(ctx context.Context) (*Evidence, error)
	// SaveEvidence replaces the release's running evidence; when
	// e.Extremes is nil, the stored extremes are kept (nil if none).
	SaveEvidence(ctx context.Context, e Evidence) error
	// DropEvidence deletes the release's running evidence, if any: a
	// release that has ended takes no more windows and needs none.
	DropEvidence(ctx context.Context) error
}

// Evidence is a release's running evidence (judge.Running, encoded by the
// engine in two parts, judge.StateBytes; the store keeps the bytes as
// given): the policy version it was built under, how many windows it
// holds, its sums (State, which every window changes) and its extremes
// (which change only now and then: the engine saves them only then, and a
// store keeps them where rewriting the sums does not copy them).
type Evidence struct {
	PolicyVersion int
	Windows       int
	State         []byte
	Extremes      []byte
}

// Releases is the release side of the store.
type Releases interface {
	// CreateRelease inserts r (ID, State, PolicyVersion, timestamps set by
	// the caller; PolicyVersion 0 is filled with the newest) and appends
	// audit (empty ReleaseID, Service and At filled from r) in one
	// transaction. ErrNotFound when the service has no policy; ErrConflict
	// wrapped in *ActiveReleaseError when the service and target already
	// have an active release; plain ErrConflict when the ID is taken.
	// With idem set, body is kept as the response (status 201) byte for
	// byte, and a repeat creates nothing, writes no audit and returns the
	// stored response (and a zero Release); whatever its Hash, comparing is
	// the caller's job. A first create returns a nil *StoredResponse. The
	// store never encodes or decodes response bodies.
	CreateRelease(ctx context.Context, r Release, idem *Idem, body []byte, audit AuditEntry) (Release, *StoredResponse, error)
	GetRelease(ctx context.Context, id string) (Release, error)
	// InRelease runs fn holding the release's lock; fn's error rolls back
	// and is returned as is, and so does a panic (which propagates).
	// ErrNotFound, without calling fn, when the release does not exist. fn
	// may read through the store but must not start another unit of work
	// (InRelease, SweepStuck): it would wait for itself.
	InRelease(ctx context.Context, id string, fn func(tx ReleaseTx) error) error
	// SweepStuck locks up to limit releases in rolling_back whose deadline
	// passed before now, skipping ones another replica holds, and runs fn on
	// each inside its own unit of work, oldest deadline first. It returns
	// how many fn handled. A release is taken at most once per call (even
	// if fn leaves it rolling_back); fn's error rolls back that release
	// and stops the sweep. limit <= 0 handles none.
	SweepStuck(ctx context.Context, now time.Time, limit int, fn func(tx ReleaseTx) error) (int, error)
	// SweepStale is SweepStuck for baking releases whose AnalysisDeadline
	// passed before now (oldest deadline first).
	SweepStale(ctx context.Context, now time.Time, limit int, fn func(tx ReleaseTx) error) (int, error)
	// ListReleases returns the releases q selects, newest first.
	ListReleases(ctx context.Context, q ReleaseQuery) ([]Release, error)
	// LatestDecision returns the newest decision; ErrNotFound when none.
	LatestDecision(ctx context.Context, releaseID string) (DecisionRecord, error)
	// Analyses returns the release's analyses, newest first, at most limit
	// (limit <= 0: all); an empty list for an unknown release.
	Analyses(ctx context.Context, releaseID string, limit int) ([]Analysis, error)
	Verdicts(ctx context.Context, q VerdictQuery) ([]Verdict, error)
	// AuditLog returns the entries q selects, in q's order.
	AuditLog(ctx context.Context, q AuditQuery) ([]AuditEntry, error)
	// GetIdempotent looks up a stored response outside any release lock.
	GetIdempotent(ctx context.Context, idem Idem) (*StoredResponse, error)
}

// Freezes is the freeze switch. Each change appends its audit entry in the
// same transaction (a zero audit.At becomes f.CreatedAt on PutFreeze).
type Freezes interface {
	// PutFreeze sets the freeze of f.Scope, replacing any there was.
	PutFreeze(ctx context.Context, f judge.Freeze, audit AuditEntry) (judge.Freeze, error)
	// DeleteFreeze lifts a freeze; ErrNotFound when none is set.
	DeleteFreeze(ctx context.Context, scope string, audit AuditEntry) error
	// ListFreezes returns the freezes in force at now, global first, then
	// by scope.
	ListFreezes(ctx context.Context, now time.Time) ([]judge.Freeze, error)
}

// ActiveReleaseError names the release that blocks a new one.
type ActiveReleaseError struct{ Active Release }

func (e *ActiveReleaseError) Error() string {
	return "service " + e.Active.Service + " already has active release " + e.Active.ID +
		" (" + string(e.Active.State) + ") on target " + e.Active.Target
}

// Unwrap makes errors.Is(err, ErrConflict) true.
func (e *ActiveReleaseError) Unwrap() error { return ErrConflict }

// EncodeJSON is the one JSON encoding of API responses: no HTML escaping
// (messages hold ">=" and SQL may hold "<"), newline-terminated. Stored
// idempotent responses use it so that a replay is byte-for-byte the
// first answer.
func EncodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}
