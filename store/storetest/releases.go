package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

func testReleaseCreateGet(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	in := release("r1", "payments", "eu-1")
	in.CreatedAt, in.UpdatedAt = odd, odd
	got := create(t, s, in)
	want := in
	want.CreatedAt, want.UpdatedAt = t0.Add(1234*µs), t0.Add(1234*µs) // UTC, microseconds
	want.PolicyVersion = 1                                            // filled: newest policy
	deepEqual(t, "created release", got, want)
	again, err := s.GetRelease(ctx, "r1")
	if err != nil {
		t.Fatalf("GetRelease: %v", err)
	}
	deepEqual(t, "GetRelease", again, want)
	if _, err := s.GetRelease(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("GetRelease of unknown id: err = %v, want ErrNotFound", err)
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r1"})
	if err != nil || len(log) != 1 {
		t.Fatalf("AuditLog after create = %+v, %v; want the create entry", log, err)
	}
	if e := log[0]; e.ReleaseID != "r1" || e.Service != "payments" || e.Action != "release:create" || !e.At.Equal(want.CreatedAt) || e.ID == 0 {
		t.Fatalf("create audit entry = %+v (release id, service and time filled in)", e)
	}
	// The same id twice is a conflict, but not an active-release one,
	// whether the caller names the policy version (as the engine does) or
	// not; and it leaves no audit entry.
	for _, v := range []int{0, 1} {
		dup := release("r1", "payments", "eu-2")
		dup.PolicyVersion = v
		_, _, err = s.CreateRelease(ctx, dup, nil, nil, store.AuditEntry{Action: "release:create"})
		var active *store.ActiveReleaseError
		if !errors.Is(err, store.ErrConflict) || errors.As(err, &active) {
			t.Fatalf("duplicate id (policy version %d): err = %v, want plain ErrConflict", v, err)
		}
	}
	if log, _ := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r1"}); len(log) != 1 {
		t.Fatalf("refused creates of r1 left audit entries: %+v", log)
	}
	// With the policy version named, the release keeps it and its create
	// is audited the same way.
	named := release("r2", "payments", "eu-2")
	named.PolicyVersion = 1
	if got := create(t, s, named); got.PolicyVersion != 1 || got.ID != "r2" {
		t.Fatalf("created with policy version 1: %+v", got)
	}
	log, err = s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r2"})
	if err != nil || len(log) != 1 || log[0].Service != "payments" || log[0].Action != "release:create" || log[0].Actor != "test" {
		t.Fatalf("AuditLog after a create with the policy version named = %+v, %v", log, err)
	}
}

func testReleaseUnknownService(t *testing.T, s store.Full) {
	for _, v := range []int{0, 1} { // the policy version left to the store, or named
		r := release("r1", "ghost", "eu-1")
		r.PolicyVersion = v
		_, _, err := s.CreateRelease(context.Background(), r, nil, nil, store.AuditEntry{Action: "release:create"})
		if !errors.Is(err, store.ErrNotFound) || !strings.Contains(err.Error(), "ghost") {
			t.Fatalf("release of a service without policy (policy version %d): err = %v, want ErrNotFound naming the service", v, err)
		}
	}
	if log, _ := s.AuditLog(context.Background(), store.AuditQuery{}); len(log) != 0 {
		t.Fatalf("a refused create left audit entries: %+v", log)
	}
}

// testReleaseOneActive: an active release (baking, rolling_back, halted)
// blocks another on its service and target; terminal ones free the slot.
func testReleaseOneActive(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	for _, tc := range []struct {
		state   judge.State
		blocked bool
	}{
		{judge.StateBaking, true},
		{judge.StateRollingBack, true},
		{judge.StateHalted, true},
		{judge.StatePromoted, false},
		{judge.StateRolledBack, false},
	} {
		t.Run(string(tc.state), func(t *testing.T) {
			target := "t-" + string(tc.state)
			first := create(t, s, release("first-"+string(tc.state), "payments", target))
			if tc.state != judge.StateBaking {
				setState(t, s, first.ID, tc.state, nil)
			}
			// Blocked whether the policy version is left to the store
			// or named (as the engine names it).
			for _, v := range []int{1, 0} {
				second := release(fmt.Sprintf("second-%s-%d", tc.state, v), "payments", target)
				second.PolicyVersion = v
				_, _, err := s.CreateRelease(ctx, second, nil, nil, store.AuditEntry{})
				var active *store.ActiveReleaseError
				switch {
				case tc.blocked && (!errors.As(err, &active) || !errors.Is(err, store.ErrConflict)):
					t.Fatalf("second release (policy version %d) while the first is %s: err = %v, want *ActiveReleaseError", v, tc.state, err)
				case tc.blocked && (active.Active.ID != first.ID || active.Active.State != tc.state || !strings.Contains(err.Error(), first.ID)):
					t.Fatalf("ActiveReleaseError names %+v (%v), want %s in %s", active.Active, err, first.ID, tc.state)
				case !tc.blocked && err != nil:
					t.Fatalf("second release after the first became %s: %v", tc.state, err)
				}
				if !tc.blocked {
					break // the slot is taken now
				}
			}
			// Another target of the same service is always free.
			create(t, s, release("other-"+string(tc.state), "payments", target+"-b"))
		})
	}
}

// testReleaseCreateRace: concurrent creates on one service and target;
// exactly one wins and every loser names the winner.
func testReleaseCreateRace(t *testing.T, s store.Full) {
	withPolicy(t, s, "payments")
	const n = 10
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			r := release(fmt.Sprintf("r%d", i), "payments", "eu-1")
			r.PolicyVersion = i % 2 // half name the policy version, as the engine does
			_, _, errs[i] = s.CreateRelease(context.Background(), r, nil, nil, store.AuditEntry{})
		})
	}
	wg.Wait()
	winner := ""
	for i, err := range errs {
		if err == nil {
			if winner != "" {
				t.Fatalf("two concurrent creates won: %s and r%d", winner, i)
			}
			winner = fmt.Sprintf("r%d", i)
		}
	}
	if winner == "" {
		t.Fatalf("no create won: %v", errs)
	}
	for i, err := range errs {
		var active *store.ActiveReleaseError
		if err != nil && (!errors.As(err, &active) || active.Active.ID != winner) {
			t.Errorf("loser r%d: err = %v, want *ActiveReleaseError naming %s", i, err, winner)
		}
	}
}

func testReleaseIdempotentCreate(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	idem := &store.Idem{Scope: "POST /v1/releases tok1", Key: "k-1", Hash: "h1"}
	body := []byte("{\"id\": \"r1\",  \"a\":\"<b>\"}\n") // kept byte for byte, never re-encoded
	_, stored, err := s.CreateRelease(ctx, release("r1", "payments", "eu-1"), idem, body, store.AuditEntry{Action: "release:create"})
	if err != nil || stored != nil {
		t.Fatalf("first create: stored %v, err %v", stored, err)
	}
	// A repeat, even with another id and while r1 is active, returns the
	// stored response and creates nothing.
	again := release("r2", "payments", "eu-1")
	got, stored, err := s.CreateRelease(ctx, again, &store.Idem{Scope: idem.Scope, Key: idem.Key, Hash: "h2"}, []byte("{}"), store.AuditEntry{Action: "release:create"})
	if err != nil || stored == nil {
		t.Fatalf("repeat: stored %v, err %v; want the stored response", stored, err)
	}
	deepEqual(t, "release of the repeat", got, store.Release{})
	if stored.Status != 201 || stored.RequestHash != "h1" {
		t.Fatalf("stored response = %d %q, want 201 with the first request's hash", stored.Status, stored.RequestHash)
	}
	if !bytes.Equal(stored.Body, body) {
		t.Fatalf("stored body = %q, want the first create's body byte for byte: %q", stored.Body, body)
	}
	if _, err := s.GetRelease(ctx, "r2"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("repeat created r2: %v", err)
	}
	if log, _ := s.AuditLog(ctx, store.AuditQuery{Service: "payments"}); len(log) != 2 || log[1].Action != "release:create" {
		t.Fatalf("audit after a repeat = %+v, want the policy and one create", log)
	}
	if r, err := s.GetIdempotent(ctx, *idem); err != nil || r == nil || r.Status != 201 {
		t.Fatalf("GetIdempotent = %+v, %v", r, err)
	}
	if r, err := s.GetIdempotent(ctx, store.Idem{Scope: idem.Scope, Key: "other"}); err != nil || r != nil {
		t.Fatalf("GetIdempotent of an unknown key = %+v, %v; want nil, nil", r, err)
	}
}

// testReleaseIdempotentCreateRace: concurrent repeats of one request create
// one release; every other caller gets the winner's stored response.
func testReleaseIdempotentCreateRace(t *testing.T, s store.Full) {
	withPolicy(t, s, "payments")
	const n = 8
	var wg sync.WaitGroup
	ids := make([]string, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			idem := &store.Idem{Scope: "POST /v1/releases", Key: "same", Hash: "h"}
			id := fmt.Sprintf("r%d", i)
			r, stored, err := s.CreateRelease(context.Background(), release(id, "payments", "eu-1"), idem, []byte(id), store.AuditEntry{})
			ids[i], errs[i] = r.ID, err
			if stored != nil {
				ids[i] = string(stored.Body)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("repeat %d: release %q, err %v; want every repeat to get %q", i, ids[i], errs[i], ids[0])
		}
	}
	if list, err := s.ListReleases(context.Background(), store.ReleaseQuery{}); err != nil || len(list) != 1 || list[0].ID != ids[0] {
		t.Fatalf("releases after the race = %+v, %v; want only %s", list, err, ids[0])
	}
}
