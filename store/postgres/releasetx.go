package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// releaseTx is a store.ReleaseTx bound to one transaction that holds the
// release's row lock: a pipeline (InRelease: reads prefetched, writes
// queued, pipeline.go) or a plain transaction (the sweeper).
type releaseTx struct {
	q   querier
	rel store.Release
	pre *prefetch // nil for a plain transaction
}

var _ store.ReleaseTx = (*releaseTx)(nil)

func (t *releaseTx) Release() store.Release { return t.rel }

func (t *releaseTx) Policy(ctx context.Context) (store.PolicyRecord, error) {
	if t.pre != nil {
		return t.pre.policy, t.pre.policyErr
	}
	return getPolicy(ctx, t.q, t.rel.Service, nil)
}

func (t *releaseTx) Windows(ctx context.Context, limit int) ([]judge.Window, error) {
	if t.pre != nil && t.pre.seq == 1 {
		// The next analysis is the release's first (counted under its lock
		// by the first batch, and by each analysis the unit saved): the
		// release has no window, and its first decision, whose evidence is
		// built from nothing, asks nothing more of the server.
		return []judge.Window{}, nil
	}
	rows, err := t.q.Query(ctx, `SELECT coalesce(verdict, ''), error, coalesce(window_start, window_at), window_at, summary FROM (
			SELECT seq, verdict, error, window_start, window_at, summary FROM analyses WHERE release_id = $1 ORDER BY seq DESC LIMIT $2
		) w ORDER BY seq`, t.rel.ID, limitArg(limit))
	if err != nil {
		return nil, translate(err, "windows")
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (judge.Window, error) {
		var (
			w   judge.Window
			sum []byte
		)
		if err := row.Scan(&w.Verdict, &w.Error, &w.Start, &w.At, &sum); err != nil {
			return w, err
		}
		w.Start, w.At = w.Start.UTC(), w.At.UTC()
		if sum != nil {
			if err := json.Unmarshal(sum, &w.Metrics); err != nil {
				return w, fmt.Errorf("decode window summary: %w", err)
			}
		}
		return w, nil
	})
	return nonNil(out), translate(err, "windows")
}

func (t *releaseTx) Freeze(ctx context.Context, now time.Time) (*judge.Freeze, error) {
	if t.pre != nil {
		return freezeAt(t.pre.freezes, ts(now)), nil
	}
	return freezeFor(ctx, t.q, t.rel.Service, now)
}

func (t *releaseTx) CountRollbacks(ctx context.Context, since time.Time) (service, fleet int, err error) {
	if _, err := t.q.Exec(ctx, lockFleetCapSQL); err != nil {
		return 0, 0, translate(err, "rollback cap lock")
	}
	err = t.q.QueryRow(ctx, countRollbacksSQL, t.rel.Service, ts(since), judge.GameDayPrefix+"%").Scan(&service, &fleet)
	return service, fleet, translate(err, "count rollbacks")
}

// countRollbacksSQL counts automatic rollbacks since $2: of service $1, and
// fleet-wide leaving out game-day drills (services named $3, judge.IsGameDay).
const countRollbacksSQL = `SELECT count(*) FILTER (WHERE service = $1), count(*) FILTER (WHERE service NOT LIKE $3)
	FROM decisions WHERE automatic AND action = 'rollback' AND created_at >= $2`

func (t *releaseTx) Idempotent(ctx context.Context, idem store.Idem) (*store.StoredResponse, error) {
	return getIdempotent(ctx, t.q, idem)
}

func (t *releaseTx) SaveAnalysis(ctx context.Context, a *store.Analysis) error {
	if err := t.own(&a.ReleaseID, "analysis"); err != nil {
		return err
	}
	a.CreatedAt = ts(a.CreatedAt)
	if a.Window.At.IsZero() {
		a.Window.At = a.CreatedAt
	}
	a.Window.At = ts(a.Window.At)
	if a.Window.Start.IsZero() {
		a.Window.Start = a.Window.At
	}
	a.Window.Start = ts(a.Window.Start)
	var (
		verdict *string
		score   *float64
		result  any
		resultZ []byte
		summary any
	)
	if a.Window.Metrics != nil {
		doc, err := judge.AppendSummariesJSON(make([]byte, 0, 512*len(a.Window.Metrics)), a.Window.Metrics)
		if err != nil {
			return fmt.Errorf("encode window summary: %w", err)
		}
		summary = rawJSON(doc)
	}
	if a.Window.Verdict != "" {
		v := string(a.Window.Verdict)
		verdict = &v
	}
	if a.Result != nil {
		doc, err := encodedOnce(a.ResultJSON, a.Result, "analysis result")
		if err != nil {
			return err
		}
		sc := a.Result.Score
		score = &sc
		result, resultZ = document(doc, docWriters)
	}
	if pre := t.pre; pre != nil && pre.analysis != 0 { // the ids the first batch reserved: the insert is queued
		a.ID, a.Seq = pre.analysis, pre.seq
		pre.analysis, pre.seq = 0, pre.seq+1
		_, err := t.q.Exec(ctx, `INSERT INTO analyses
			(id, release_id, seq, verdict, error, score, result, result_z, source_error, policy_version, window_start, window_at, summary, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			a.ID, a.ReleaseID, a.Seq, verdict, a.Window.Error, score, result, resultZ, a.SourceError, a.PolicyVersion, a.Window.Start, a.Window.At, summary, a.CreatedAt)
		return err
	}
	err := t.q.QueryRow(ctx, `INSERT INTO analyses
		(release_id, seq, verdict, error, score, result, result_z, source_error, policy_version, window_start, window_at, summary, created_at)
		VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM analyses WHERE release_id = $1), $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING id, seq`,
		a.ReleaseID, verdict, a.Window.Error, score, result, resultZ, a.SourceError, a.PolicyVersion, a.Window.Start, a.Window.At, summary, a.CreatedAt).Scan(&a.ID, &a.Seq)
	return translate(err, "save analysis")
}

func (t *releaseTx) SaveDecision(ctx context.Context, d *store.DecisionRecord) error {
	if err := t.own(&d.ReleaseID, "decision"); err != nil {
		return err
	}
	if d.Service == "" {
		d.Service = t.rel.Service
	}
	if d.Target == "" {
		d.Target = t.rel.Target
	}
	d.CreatedAt = ts(d.CreatedAt)
	doc, err := encodedOnce(d.DecisionJSON, d.Decision, "decision")
	if err != nil {
		return err
	}
	if pre := t.pre; pre != nil && pre.decision != 0 {
		d.ID, pre.decision = pre.decision, 0
		_, err = t.q.Exec(ctx, `INSERT INTO decisions (id, release_id, service, target, analysis_id, trigger, actor, automatic,
				state_from, action, reason, state_to, decision, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			d.ID, d.ReleaseID, d.Service, d.Target, d.AnalysisID, d.Trigger, d.Actor, d.Automatic, d.StateFrom,
			d.Decision.Action, d.Decision.Reason, d.Decision.State, doc, d.CreatedAt)
		return err
	}
	err = t.q.QueryRow(ctx, `INSERT INTO decisions (release_id, service, target, analysis_id, trigger, actor, automatic,
			state_from, action, reason, state_to, decision, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`,
		d.ReleaseID, d.Service, d.Target, d.AnalysisID, d.Trigger, d.Actor, d.Automatic, d.StateFrom,
		d.Decision.Action, d.Decision.Reason, d.Decision.State, doc, d.CreatedAt).Scan(&d.ID)
	return translate(err, "save decision")
}

func (t *releaseTx) UpdateRelease(ctx context.Context, r store.Release) error {
	if r.ID != t.rel.ID {
		return fmt.Errorf("update of release %q inside the unit of work of %q", r.ID, t.rel.ID)
	}
	if err := validState(r.State); err != nil {
		return err
	}
	r = normRelease(r)
	if r.UpdatedAt.IsZero() {
		r.UpdatedAt = t.rel.UpdatedAt
	}
	_, err := t.q.Exec(ctx, `UPDATE releases SET state = $2, state_reason = $3, updated_at = $4,
		rollback_started_at = $5, rollback_deadline = $6, auto_rollbacks = $7, rollback_attempted = $8,
		analysis_deadline = $9
		WHERE id = $1`, r.ID, r.State, r.StateReason, r.UpdatedAt,
		r.RollbackStartedAt, r.RollbackDeadline, r.AutoRollbacks, r.RollbackAttempted, r.AnalysisDeadline)
	if err != nil {
		return translate(err, "update release")
	}
	t.rel.State, t.rel.StateReason, t.rel.UpdatedAt = r.State, r.StateReason, r.UpdatedAt
	t.rel.RollbackStartedAt, t.rel.RollbackDeadline = r.RollbackStartedAt, r.RollbackDeadline
	t.rel.AutoRollbacks, t.rel.RollbackAttempted = r.AutoRollbacks, r.RollbackAttempted
	t.rel.AnalysisDeadline = r.AnalysisDeadline
	return nil
}

func (t *releaseTx) Audit(ctx context.Context, e store.AuditEntry) error {
	if e.ReleaseID == "" {
		e.ReleaseID = t.rel.ID
	}
	if e.Service == "" {
		e.Service = t.rel.Service
	}
	return appendAudit(ctx, t.q, e)
}

func (t *releaseTx) Enqueue(ctx context.Context, msgs ...outbox.Message) error {
	for _, m := range msgs {
		if m.ReleaseID == "" {
			m.ReleaseID = t.rel.ID
		}
		if m.Service == "" {
			m.Service = t.rel.Service
		}
		if m.Target == "" {
			m.Target = t.rel.Target
		}
		if err := enqueue(ctx, t.q, m); err != nil {
			return err
		}
	}
	return nil
}

func (t *releaseTx) SaveIdempotent(ctx context.Context, idem store.Idem, status int, body []byte) error {
	return saveIdempotent(ctx, t.q, idem, status, body)
}

// own fills an empty release id with this unit's release and refuses
// another release's.
func (t *releaseTx) own(id *string, what string) error {
	if *id == "" {
		*id = t.rel.ID
	}
	if *id != t.rel.ID {
		return fmt.Errorf("%s for release %q inside the unit of work of %q", what, *id, t.rel.ID)
	}
	return nil
}

// limitArg turns limit <= 0 (no limit) into SQL's LIMIT NULL.
func limitArg(limit int) *int {
	if limit <= 0 {
		return nil
	}
	return &limit
}

func (t *releaseTx) Evidence(ctx context.Context) (*store.Evidence, error) {
	if t.pre != nil && !t.pre.evidenceSaved {
		return t.pre.evidence, nil
	}
	var e store.Evidence
	err := t.q.QueryRow(ctx, `SELECT policy_version, windows, state, extremes FROM release_evidence WHERE release_id = $1`, t.rel.ID).
		Scan(&e.PolicyVersion, &e.Windows, &e.State, &e.Extremes)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "evidence")
	}
	return &e, nil
}

func (t *releaseTx) SaveEvidence(ctx context.Context, e store.Evidence) error {
	if t.pre != nil {
		t.pre.evidenceSaved = true
	}
	// Extremes kept are the stored value itself, so PostgreSQL keeps its
	// TOAST pointer and copies nothing (migration 00016).
	_, err := t.q.Exec(ctx, `INSERT INTO release_evidence (release_id, policy_version, windows, state, extremes) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (release_id) DO UPDATE SET policy_version = excluded.policy_version, windows = excluded.windows, state = excluded.state,
			extremes = CASE WHEN $5::bytea IS NULL THEN release_evidence.extremes ELSE excluded.extremes END`,
		t.rel.ID, e.PolicyVersion, e.Windows, e.State, e.Extremes)
	return translate(err, "save evidence")
}

func (t *releaseTx) DropEvidence(ctx context.Context) error {
	if t.pre != nil {
		t.pre.evidenceSaved = true
	}
	_, err := t.q.Exec(ctx, `DELETE FROM release_evidence WHERE release_id = $1`, t.rel.ID)
	return translate(err, "drop evidence")
}
