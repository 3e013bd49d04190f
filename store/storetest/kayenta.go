package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testKayentaExecutions: executions round-trip (request and result as
// JSON, times in UTC microseconds), ids are unique, an execution needs its
// service's policy, text the database refuses is refused, and the audit
// entry is written with it.
func testKayentaExecutions(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "checkout")
	score := 91.5
	e := store.KayentaExecution{ID: "kx1", Service: "checkout", PolicyVersion: 1,
		Params:  map[string]string{"application": "checkout", "storageAccountName": "s"},
		Request: json.RawMessage(`{"scopes":{"default":{"controlScope":{"scope":"v1"}}},"thresholds":{"pass":90,"marginal":75}}`),
		Status:  store.KayentaSucceeded, CreatedAt: odd, EndedAt: odd.Add(1500 * µs),
		Result: &judge.Result{Verdict: judge.VerdictPass, Score: score, Mode: judge.ModeKayenta, Rule: judge.RuleScore,
			Metrics: []judge.MetricResult{{Name: "latency", Group: "latency", Classification: judge.ClassPass}}}}
	if err := s.SaveKayentaExecution(ctx, e, store.AuditEntry{Actor: "argo", Action: "kayenta:execute"}); err != nil {
		t.Fatalf("SaveKayentaExecution: %v", err)
	}
	got, err := s.KayentaExecution(ctx, "kx1")
	if err != nil {
		t.Fatalf("KayentaExecution: %v", err)
	}
	var wantReq, gotReq any
	_ = json.Unmarshal(e.Request, &wantReq)
	if err := json.Unmarshal(got.Request, &gotReq); err != nil {
		t.Fatalf("stored request is not JSON: %v", err)
	}
	deepEqual(t, "request", gotReq, wantReq)
	got.Request, e.Request = nil, nil
	e.CreatedAt, e.EndedAt = odd.UTC().Truncate(µs), odd.Add(1500*µs).UTC().Truncate(µs)
	deepEqual(t, "execution", jsonOf(t, got), jsonOf(t, e))

	audit, err := s.AuditLog(ctx, store.AuditQuery{Service: "checkout", Desc: true, Limit: 1})
	if err != nil || len(audit) != 1 || audit[0].Action != "kayenta:execute" || !audit[0].At.Equal(e.CreatedAt) {
		t.Fatalf("audit after SaveKayentaExecution: %+v, %v", audit, err)
	}
	for name, tc := range map[string]struct {
		e    store.KayentaExecution
		want error
	}{
		"same id":         {store.KayentaExecution{ID: "kx1", Service: "checkout", PolicyVersion: 1, Request: []byte(`{}`), Status: store.KayentaTerminal, CreatedAt: t0, EndedAt: t0}, store.ErrConflict},
		"unknown service": {store.KayentaExecution{ID: "kx2", Service: "nope", PolicyVersion: 1, Request: []byte(`{}`), Status: store.KayentaTerminal, CreatedAt: t0, EndedAt: t0}, store.ErrNotFound},
	} {
		if err := s.SaveKayentaExecution(ctx, tc.e, store.AuditEntry{Action: "kayenta:execute"}); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", name, err, tc.want)
		}
	}
	bad := store.KayentaExecution{ID: "kx3", Service: "checkout", PolicyVersion: 1, Request: []byte(`{}`), Status: store.KayentaTerminal,
		Error: "source\x00down", CreatedAt: t0, EndedAt: t0}
	if err := s.SaveKayentaExecution(ctx, bad, store.AuditEntry{Action: "kayenta:execute"}); err == nil {
		t.Error("a NUL byte in the error was stored")
	} else if _, ok := judge.AsValidation(err); !ok {
		t.Errorf("a NUL byte: %v, want a validation error", err)
	}
	if _, err := s.KayentaExecution(ctx, "kx3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a refused execution left something behind: %v", err)
	}

	// The audit entry is stored as every other: its time in UTC
	// microseconds, and text the database refuses refuses the whole save.
	at := odd.Add(time.Minute)
	plain := store.KayentaExecution{ID: "kx4", Service: "checkout", PolicyVersion: 1, Request: []byte(`{}`), Status: store.KayentaTerminal,
		CreatedAt: t0, EndedAt: t0}
	if err := s.SaveKayentaExecution(ctx, plain, store.AuditEntry{Actor: "argo", Action: "kayenta:execute", At: at}); err != nil {
		t.Fatalf("SaveKayentaExecution with an audit time: %v", err)
	}
	wantAt := at.UTC().Truncate(µs)
	audit, err = s.AuditLog(ctx, store.AuditQuery{Service: "checkout", Desc: true, Limit: 1})
	if err != nil || len(audit) != 1 || !audit[0].At.Equal(wantAt) || audit[0].At.Location() != time.UTC {
		t.Fatalf("audit time after SaveKayentaExecution: %+v, %v; want %v", audit, err, wantAt)
	}
	nulActor := plain
	nulActor.ID = "kx5"
	if err := s.SaveKayentaExecution(ctx, nulActor, store.AuditEntry{Actor: "ar\x00go", Action: "kayenta:execute"}); err == nil {
		t.Error("a NUL byte in the audit actor was stored")
	} else if _, ok := judge.AsValidation(err); !ok {
		t.Errorf("a NUL byte in the audit actor: %v, want a validation error", err)
	}
	if _, err := s.KayentaExecution(ctx, "kx5"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("an execution whose audit was refused was stored: %v", err)
	}
	audit, err = s.AuditLog(ctx, store.AuditQuery{Service: "checkout", Desc: true, Limit: 1})
	if err != nil || len(audit) != 1 || !audit[0].At.Equal(wantAt) {
		t.Errorf("a refused audit entry was appended: %+v, %v", audit, err)
	}
}

// testListPolicies: the newest version of every service, by name.
func testListPolicies(t *testing.T, s store.Full) {
	ctx := context.Background()
	if got, err := s.ListPolicies(ctx); err != nil || got == nil || len(got) != 0 {
		t.Fatalf("ListPolicies on an empty store = %v, %v; want an empty list", got, err)
	}
	withPolicy(t, s, "web", "api", "web")
	got, err := s.ListPolicies(ctx)
	if err != nil || len(got) != 2 || got[0].Service != "api" || got[0].Version != 1 || got[1].Service != "web" || got[1].Version != 2 {
		t.Fatalf("ListPolicies = %+v, %v; want api v1, web v2", got, err)
	}
}

func jsonOf(t *testing.T, v any) any {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}
