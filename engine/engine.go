// Package engine runs canaryjudge's use cases: it loads what a decision
// needs from the store under the right locks, asks the pure judge package
// for the answer, and writes the analysis, decision, release state, audit
// entry and notifications in one unit of work. Both stores serve it, so
// the logic lives once.
package engine

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Store is what the engine needs of the store.
type Store interface {
	store.Releases
	GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error)
}

// Engine makes and records decisions.
type Engine struct {
	st      Store
	now     func() time.Time
	log     *slog.Logger
	newID   func() string
	metrics *metrics
	// classifier reads the SQL a release's migrations carry; nil leaves
	// that SQL unknown (a human decides).
	classifier MigrationClassifier
}

// Options configures an Engine; zero values get defaults.
type Options struct {
	Now      func() time.Time
	Logger   *slog.Logger
	Registry prometheus.Registerer
	NewID    func() string
	// Classifier classifies migration SQL (sqlcheck.Classifier); nil
	// means SQL is treated as unknown.
	Classifier MigrationClassifier
}

// New returns an engine over st.
func New(st Store, o Options) *Engine {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.NewID == nil {
		o.NewID = newReleaseID
	}
	e := &Engine{st: st, now: func() time.Time { return o.Now().UTC().Truncate(time.Microsecond) }, log: o.Logger, newID: o.NewID,
		classifier: o.Classifier, metrics: newMetrics(o.Registry, st, o.Logger)}
	return e
}

func newReleaseID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "rel_" + hex.EncodeToString(b[:])
}

// ErrIdempotencyMismatch: an Idempotency-Key was reused with another body.
var ErrIdempotencyMismatch = errors.New("Idempotency-Key was already used with a different request")

// Outcome is what a state-changing call produced.
type Outcome struct {
	Release   store.Release         `json:"release"`
	Analysis  *store.Analysis       `json:"analysis,omitempty"`
	Decision  judge.Decision        `json:"decision"`
	Duplicate bool                  `json:"duplicate,omitempty"`
	Record    *store.DecisionRecord `json:"-"`
	Replayed  *store.StoredResponse `json:"-"` // set when an Idempotency-Key matched
	Body      []byte                `json:"-"` // the encoded response, when recorded
}

// once runs fn under the release's lock unless idem names a stored
// response, which is returned instead (Outcome.Replayed) without acting.
func (e *Engine) once(ctx context.Context, releaseID string, idem *store.Idem, fn func(tx store.ReleaseTx) (Outcome, error)) (Outcome, error) {
	var out Outcome
	err := e.st.InRelease(ctx, releaseID, func(tx store.ReleaseTx) error {
		sr, err := replay(ctx, tx, idem)
		if err != nil || sr != nil {
			out.Replayed = sr
			return err
		}
		out, err = fn(tx)
		return err
	})
	if err == nil && out.Record != nil && out.Replayed == nil {
		e.metrics.decided(out.Release.Service, out.Decision) // committed
	}
	return out, err
}

// replay checks a stored idempotent response inside a unit of work.
func replay(ctx context.Context, tx store.ReleaseTx, idem *store.Idem) (*store.StoredResponse, error) {
	if idem == nil {
		return nil, nil
	}
	sr, err := tx.Idempotent(ctx, *idem)
	if err != nil || sr == nil {
		return nil, err
	}
	if sr.RequestHash != idem.Hash {
		return nil, ErrIdempotencyMismatch
	}
	return sr, nil
}

// logDecision logs every decision with the numbers behind it.
func (e *Engine) logDecision(ctx context.Context, r store.Release, trigger, actor string, d judge.Decision) {
	attrs := []any{"release", r.ID, "service", r.Service, "target", r.Target, "version", r.Version,
		"trigger", trigger, "actor", actor, "action", d.Action, "reason", d.Reason, "state", d.State, "why", d.Message}
	if d.Evidence.Score != nil {
		attrs = append(attrs, "score", *d.Evidence.Score, "verdict", d.Evidence.Verdict)
	}
	if d.RollbackTo != "" {
		attrs = append(attrs, "rollback_to", d.RollbackTo)
	}
	e.log.InfoContext(ctx, "decision", attrs...)
}
