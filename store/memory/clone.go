package memory

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// The memory store keeps what PostgreSQL would give back: timestamps in UTC
// truncated to microseconds, and JSON-column values as they decode from
// their JSON (nil stays nil, maps lose their Go types). Every value is
// copied on the way in and out, so callers never share memory with it.

func ts(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func tsPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := ts(*t)
	return &v
}

// viaJSON deep-copies v the way a jsonb column round-trips it, refusing
// what jsonb refuses: a NUL character (\u0000).
func viaJSON[T any](v T, what string) (T, error) {
	var out T
	b, err := json.Marshal(v)
	if err != nil {
		return out, fmt.Errorf("encode %s: %w", what, err)
	}
	if hasNULEscape(b) {
		return out, store.ErrText()
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return out, fmt.Errorf("decode %s: %w", what, err)
	}
	return out, nil
}

// hasNULEscape reports whether JSON text holds the escape \u0000 (an odd
// run of backslashes before "u0000"; an even one is an escaped backslash).
func hasNULEscape(b []byte) bool {
	for i := bytes.Index(b, []byte(`u0000`)); i >= 0; {
		n := 0
		for j := i - 1; j >= 0 && b[j] == '\\'; j-- {
			n++
		}
		if n%2 == 1 {
			return true
		}
		k := bytes.Index(b[i+1:], []byte(`u0000`))
		if k < 0 {
			break
		}
		i += 1 + k
	}
	return false
}

// copyJSON copies a value that already went through viaJSON once.
func copyJSON[T any](v T) T {
	out, err := viaJSON(v, "stored value")
	if err != nil {
		panic("memory store: " + err.Error())
	}
	return out
}

// raw checks and copies raw JSON bound for a jsonb column; empty is NULL.
func raw(b []byte, what string) (json.RawMessage, error) {
	if len(b) == 0 {
		return nil, nil
	}
	if !json.Valid(b) {
		return nil, fmt.Errorf("%s is not valid JSON", what)
	}
	return bytes.Clone(b), nil
}

func copyRaw(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return bytes.Clone(b)
}

func validState(s judge.State) error {
	if !slices.Contains(judge.States, s) {
		return fmt.Errorf("release state %q is not one of %v", s, judge.States)
	}
	return nil
}

// normRelease gives r its stored form.
func normRelease(r store.Release) (store.Release, error) {
	if err := validState(r.State); err != nil {
		return r, err
	}
	mig, err := viaJSON(r.Migrations, "migrations")
	if err != nil {
		return r, err
	}
	if !store.CleanText(r.ID, r.Service, r.Target, r.Version, r.BaselineVersion, string(r.StateReason)) {
		return r, store.ErrText()
	}
	if r.AutoRollbacks < 0 {
		return r, store.Invalid("auto_rollbacks", "refused by the database (releases_auto_rollbacks_check)")
	}
	r.Migrations = mig
	r.CreatedAt, r.UpdatedAt = ts(r.CreatedAt), ts(r.UpdatedAt)
	r.RollbackStartedAt, r.RollbackDeadline = tsPtr(r.RollbackStartedAt), tsPtr(r.RollbackDeadline)
	r.AnalysisDeadline = tsPtr(r.AnalysisDeadline)
	return r, nil
}

func copyRelease(r store.Release) store.Release {
	r.Migrations = copyJSON(r.Migrations)
	r.RollbackStartedAt, r.RollbackDeadline = tsPtr(r.RollbackStartedAt), tsPtr(r.RollbackDeadline)
	r.AnalysisDeadline = tsPtr(r.AnalysisDeadline)
	return r
}

func copyAnalysis(a store.Analysis) store.Analysis {
	a.Result = copyJSON(a.Result)
	a.Window = copyWindow(a.Window)
	return a
}

// copyWindow copies a window and its summaries (the per-instance maps
// too), without the analysis result: what Windows needs, at every
// analysis, of every earlier window.
func copyWindow(w judge.Window) judge.Window {
	if w.Metrics == nil {
		return w
	}
	ms := make([]judge.MetricSummary, len(w.Metrics))
	for i, m := range w.Metrics {
		m.Canary.Instances, m.Baseline.Instances = maps.Clone(m.Canary.Instances), maps.Clone(m.Baseline.Instances)
		ms[i] = m
	}
	w.Metrics = ms
	return w
}

func copyDecision(d store.DecisionRecord) store.DecisionRecord {
	d.Decision = copyJSON(d.Decision)
	if d.AnalysisID != nil {
		id := *d.AnalysisID
		d.AnalysisID = &id
	}
	return d
}

func copyAudit(e store.AuditEntry) store.AuditEntry {
	e.Input, e.Output = copyRaw(e.Input), copyRaw(e.Output)
	return e
}

func copyMessage(m outbox.Message) outbox.Message {
	m.Details = copyRaw(m.Details)
	return m
}

func copyFreeze(f judge.Freeze) judge.Freeze {
	f.ExpiresAt = tsPtr(f.ExpiresAt)
	return f
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// limited keeps the first limit elements; limit <= 0 keeps all.
func limited[T any](s []T, limit int) []T {
	if limit > 0 && len(s) > limit {
		return s[:limit]
	}
	return s
}
