package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// µs is the precision both stores keep (PostgreSQL's timestamptz).
const µs = time.Microsecond

// odd is t0 with nanoseconds and a zone: stores must give back UTC
// truncated to microseconds.
var odd = t0.Add(1234567 * time.Nanosecond).In(time.FixedZone("CET", 3600))

var errBoom = errors.New("boom")

// withPolicy stores a policy for every service.
func withPolicy(t *testing.T, s store.Store, services ...string) {
	t.Helper()
	for _, svc := range services {
		if _, err := s.PutPolicy(context.Background(), svc, samplePolicy(judge.ModeDefault), 0, "test", t0); err != nil {
			t.Fatalf("PutPolicy %s: %v", svc, err)
		}
	}
}

// release is a baking release created at t0.
func release(id, service, target string) store.Release {
	return store.Release{ID: id, Service: service, Target: target, Version: "v2", BaselineVersion: "v1",
		Migrations: []judge.Migration{{ID: "0042_add_col", Compat: judge.CompatExpand}},
		State:      judge.StateBaking, CreatedAt: t0, UpdatedAt: t0}
}

func create(t *testing.T, s store.Full, r store.Release) store.Release {
	t.Helper()
	got, stored, err := s.CreateRelease(context.Background(), r, nil, nil, store.AuditEntry{Actor: "test", Action: "release:create"})
	if err != nil || stored != nil {
		t.Fatalf("CreateRelease %s: stored %v, err %v", r.ID, stored, err)
	}
	return got
}

// unit runs fn in InRelease and fails the test on error.
func unit(t *testing.T, s store.Full, id string, fn func(tx store.ReleaseTx) error) {
	t.Helper()
	if err := s.InRelease(context.Background(), id, fn); err != nil {
		t.Fatalf("InRelease %s: %v", id, err)
	}
}

// setState moves a release to state through a unit of work.
func setState(t *testing.T, s store.Full, id string, state judge.State, deadline *time.Time) {
	t.Helper()
	unit(t, s, id, func(tx store.ReleaseTx) error {
		r := tx.Release()
		r.State, r.StateReason, r.UpdatedAt, r.RollbackDeadline = state, judge.ReasonOverride, t0.Add(time.Minute), deadline
		return tx.UpdateRelease(context.Background(), r)
	})
}

func analysis(v judge.Verdict, score float64, at time.Time) *store.Analysis {
	return &store.Analysis{Window: judge.Window{Verdict: v, At: at}, PolicyVersion: 1, CreatedAt: at,
		Result: &judge.Result{Verdict: v, Score: score, Rule: judge.RuleScore, Mode: judge.ModeDefault, PolicyVersion: 1}}
}

func decision(a judge.Action, r judge.Reason, to judge.State, automatic bool, at time.Time) *store.DecisionRecord {
	return &store.DecisionRecord{Trigger: "analysis", Actor: "canaryjudge", Automatic: automatic, StateFrom: judge.StateBaking,
		Decision: judge.Decision{Action: a, Reason: r, State: to, Message: string(r),
			Evidence: judge.Evidence{Windows: 3, Guard: map[string]any{"service_rollbacks": 1.0, "window": "1h0m0s"}}},
		CreatedAt: at}
}

// hook is the sink messages go to unless a test says otherwise: sink 0 of
// policy version 1.
var hook = judge.Sink{Kind: outbox.SinkWebhook, URL: "https://hooks.example/cj", Secret: "hook-secret", Events: []string{"page"}}

func message(kind string, at time.Time) outbox.Message {
	return messageTo(kind, at, outbox.RefOf(1, 0, hook))
}

func messageTo(kind string, at time.Time, ref outbox.SinkRef) outbox.Message {
	return outbox.Message{Kind: kind, Summary: "payments v2: " + kind, Severity: outbox.SeverityCritical,
		Details: json.RawMessage(`{"action":"escalate","reason":"rollback_cap"}`), Sink: ref, CreatedAt: at}
}

// sameJSON compares two JSON documents by meaning (PostgreSQL's jsonb
// reorders keys and respaces).
func sameJSON(t *testing.T, what string, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("%s: not JSON: %v: %s", what, err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("%s: want not JSON: %v", what, err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("%s = %s, want %s", what, got, want)
	}
}

func deepEqual(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		if bytes.Equal(g, w) {
			t.Fatalf("%s differs (same JSON):\n got %#v\nwant %#v", what, got, want)
		}
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func ptr[T any](v T) *T { return &v }
