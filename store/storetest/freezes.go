package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

func testFreezes(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	now := t0.Add(time.Hour)
	freeze := func(scope string, expires *time.Time) judge.Freeze {
		return judge.Freeze{Scope: scope, Reason: "incident " + scope, CreatedBy: "oncall", CreatedAt: t0, ExpiresAt: expires}
	}
	for _, tc := range []struct {
		name    string
		freezes []judge.Freeze
		want    string // scope of the freeze in force for payments, "" for none
		listed  int
	}{
		{"none", nil, "", 0},
		{"service", []judge.Freeze{freeze("service:payments", nil)}, "service:payments", 1},
		{"service until later", []judge.Freeze{freeze("service:payments", ptr(now.Add(µs)))}, "service:payments", 1},
		{"service expired", []judge.Freeze{freeze("service:payments", ptr(now.Add(-time.Minute)))}, "", 0},
		{"expiring now is lifted", []judge.Freeze{freeze("service:payments", ptr(now))}, "", 0},
		{"other service", []judge.Freeze{freeze("service:search", nil)}, "", 1},
		{"global", []judge.Freeze{freeze("global", nil)}, "global", 1},
		{"global wins", []judge.Freeze{freeze("service:payments", nil), freeze("global", nil)}, "global", 2},
		{"global expired", []judge.Freeze{freeze("global", ptr(now.Add(-time.Second))), freeze("service:payments", nil)}, "service:payments", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, f := range tc.freezes {
				got, err := s.PutFreeze(ctx, f, store.AuditEntry{Actor: "oncall", Action: "freeze:put"})
				if err != nil || got.Scope != f.Scope || !got.CreatedAt.Equal(t0) {
					t.Fatalf("PutFreeze = %+v, %v", got, err)
				}
			}
			var got *judge.Freeze
			unit(t, s, "r1", func(tx store.ReleaseTx) (err error) { got, err = tx.Freeze(ctx, now); return err })
			switch {
			case tc.want == "" && got != nil:
				t.Fatalf("Freeze = %+v, want none in force", got)
			case tc.want != "" && (got == nil || got.Scope != tc.want || got.Reason != "incident "+tc.want || got.CreatedBy != "oncall"):
				t.Fatalf("Freeze = %+v, want %s", got, tc.want)
			}
			list, err := s.ListFreezes(ctx, now)
			if err != nil || len(list) != tc.listed {
				t.Fatalf("ListFreezes = %+v, %v; want %d in force", list, err, tc.listed)
			}
			if len(list) == 2 && list[0].Scope != "global" {
				t.Fatalf("ListFreezes = %+v, want global first", list)
			}
			for _, f := range tc.freezes {
				if err := s.DeleteFreeze(ctx, f.Scope, store.AuditEntry{Actor: "oncall", Action: "freeze:delete"}); err != nil {
					t.Fatalf("DeleteFreeze %s: %v", f.Scope, err)
				}
			}
		})
	}
	if err := s.DeleteFreeze(ctx, "global", store.AuditEntry{Action: "freeze:delete"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("DeleteFreeze without a freeze: err = %v, want ErrNotFound", err)
	}
	// Replacing a scope's freeze keeps one row; every change is audited.
	if _, err := s.PutFreeze(ctx, freeze("global", nil), store.AuditEntry{Action: "freeze:put"}); err != nil {
		t.Fatal(err)
	}
	f := freeze("global", ptr(odd.Add(2*time.Hour)))
	f.Reason = "changed"
	got, err := s.PutFreeze(ctx, f, store.AuditEntry{Action: "freeze:put"})
	if err != nil || got.ExpiresAt == nil || !got.ExpiresAt.Equal(odd.Add(2*time.Hour).Truncate(µs)) || got.ExpiresAt.Location() != time.UTC {
		t.Fatalf("PutFreeze replacing = %+v, %v", got, err)
	}
	if list, _ := s.ListFreezes(ctx, now); len(list) != 1 || list[0].Reason != "changed" {
		t.Fatalf("ListFreezes after replace = %+v", list)
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{})
	last := len(log) - 1
	if err != nil || last < 2 || log[last].Action != "freeze:put" || log[last].ID <= log[last-1].ID || !log[last].At.Equal(t0) ||
		log[0].Action != "policy:put" || log[1].Action != "release:create" {
		t.Fatalf("audit log = %+v, %v; want every entry, oldest first, freeze:put's At defaulting to the freeze's", log, err)
	}
}
