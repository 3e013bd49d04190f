package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testVerdictHistory: newest first by (at, analysis_id), filters, and
// keyset pages that add up to the whole history without duplicates or gaps.
func testVerdictHistory(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments", "search")
	for _, r := range []store.Release{release("a1", "payments", "eu-1"), release("a2", "payments", "us-1"), release("b1", "search", "eu-1")} {
		create(t, s, r)
	}
	// Windows interleave across releases; several share a timestamp so
	// that the id breaks ties.
	plan := []struct {
		release string
		minute  int
		verdict judge.Verdict
		decide  bool
	}{
		{"a1", 1, judge.VerdictPass, true}, {"a2", 1, judge.VerdictPass, true}, {"b1", 1, judge.VerdictFail, true},
		{"a1", 2, judge.VerdictMarginal, true}, {"a2", 2, "", true}, {"a1", 2, judge.VerdictFail, false},
		{"a1", 3, judge.VerdictFail, true}, {"a2", 3, judge.VerdictPass, true}, {"a2", 4, judge.VerdictPass, true},
	}
	for i, p := range plan {
		unit(t, s, p.release, func(tx store.ReleaseTx) error {
			at := t0.Add(time.Duration(p.minute) * time.Minute)
			a := analysis(p.verdict, float64(i), at)
			if p.verdict == "" {
				a.Result, a.Window.Error, a.SourceError = nil, true, "timeout"
			}
			if err := tx.SaveAnalysis(ctx, a); err != nil || !p.decide {
				return err
			}
			// Two decisions on one window: the view shows the newer.
			first := decision(judge.ActionWait, judge.ReasonBakeIncomplete, judge.StateBaking, false, at)
			first.AnalysisID = &a.ID
			d := decision(judge.ActionWait, judge.Reason(fmt.Sprintf("reason%d", i)), judge.StateBaking, false, at)
			d.AnalysisID = &a.ID
			if err := tx.SaveDecision(ctx, first); err != nil {
				return err
			}
			return tx.SaveDecision(ctx, d)
		})
	}
	all, err := s.Verdicts(ctx, store.VerdictQuery{Service: "payments"})
	if err != nil || len(all) != 8 {
		t.Fatalf("Verdicts(payments) = %d rows, %v; want 8", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		p, c := all[i-1], all[i]
		if c.At.After(p.At) || (c.At.Equal(p.At) && c.AnalysisID >= p.AnalysisID) {
			t.Fatalf("rows %d and %d out of order: %+v then %+v", i-1, i, p, c)
		}
	}
	top := all[0]
	if top.ReleaseID != "a2" || top.Service != "payments" || top.Target != "us-1" || top.Version != "v2" || top.Seq != 4 ||
		top.Verdict != judge.VerdictPass || top.Score == nil || *top.Score != 8 || top.Action != judge.ActionWait ||
		top.Reason != "reason8" || top.State != judge.StateBaking || !top.At.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("newest verdict = %+v", top)
	}
	for _, v := range all {
		switch {
		case v.ReleaseID == "a2" && v.Seq == 2 && (v.Verdict != "" || v.Score != nil || v.Action != judge.ActionWait):
			t.Fatalf("source-error window = %+v, want no verdict or score but its decision", v)
		case v.ReleaseID == "a1" && v.Seq == 3 && (v.Action != "" || v.Reason != "" || v.State != ""):
			t.Fatalf("window without a decision = %+v, want empty action, reason and state", v)
		}
	}
	// Pages of 3 by keyset add up to the whole.
	var paged []store.Verdict
	q := store.VerdictQuery{Service: "payments", Limit: 3}
	for range 10 {
		page, err := s.Verdicts(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		last := page[len(page)-1]
		q.AfterAt, q.AfterID = &last.At, last.AnalysisID
	}
	deepEqual(t, "keyset pages joined", paged, all)
	for _, tc := range []struct {
		name string
		q    store.VerdictQuery
		want int
	}{
		{"since inclusive", store.VerdictQuery{Service: "payments", Since: ptr(t0.Add(2 * time.Minute))}, 6},
		{"until exclusive", store.VerdictQuery{Service: "payments", Until: ptr(t0.Add(2 * time.Minute))}, 2},
		{"both", store.VerdictQuery{Service: "payments", Since: ptr(t0.Add(2 * time.Minute)), Until: ptr(t0.Add(3 * time.Minute))}, 3},
		{"other service", store.VerdictQuery{Service: "search"}, 1},
		{"every service", store.VerdictQuery{}, 9},
		{"unknown service", store.VerdictQuery{Service: "ghost"}, 0},
	} {
		got, err := s.Verdicts(ctx, tc.q)
		if err != nil || len(got) != tc.want || got == nil {
			t.Errorf("Verdicts %s = %d rows, %v; want %d", tc.name, len(got), err, tc.want)
		}
	}
}

func testTokens(t *testing.T, s store.Full) {
	ctx := context.Background()
	tok := store.Token{ID: "tok1", Name: "spinnaker", Scopes: []string{"judge", "read"}, Services: []string{"checkout"}, CreatedAt: odd}
	if err := s.CreateToken(ctx, tok, []byte{0xde, 0xad, 0xbe, 0xef}, store.AuditEntry{Actor: "admin", Action: "token:create"}); err != nil {
		t.Fatalf("CreateToken: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{ID: "tok2", Name: "bare", CreatedAt: t0}, []byte{0x01}, store.AuditEntry{}); err != nil {
		t.Fatalf("CreateToken without scopes: %v", err)
	}
	got, err := s.TokenByHash(ctx, []byte{0xde, 0xad, 0xbe, 0xef})
	want := tok
	want.CreatedAt = odd.UTC().Truncate(µs)
	if err != nil {
		t.Fatalf("TokenByHash: %v", err)
	}
	deepEqual(t, "token", got, want)
	if bare, err := s.TokenByHash(ctx, []byte{0x01}); err != nil || bare.Scopes == nil || len(bare.Scopes) != 0 || bare.Services == nil {
		t.Fatalf("token without scopes = %#v, %v; want empty lists", bare, err)
	}
	if _, err := s.TokenByHash(ctx, []byte{0xde, 0xad}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TokenByHash of an unknown hash: %v, want ErrNotFound", err)
	}
	if h, err := s.TokenHash(ctx, "tok1"); err != nil || string(h) != "\xde\xad\xbe\xef" {
		t.Fatalf("TokenHash(tok1) = %x, %v", h, err)
	}
	if _, err := s.TokenHash(ctx, "tok9"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TokenHash of an unknown id: %v, want ErrNotFound", err)
	}
	for name, tc := range map[string]struct {
		tok  store.Token
		hash []byte
	}{
		"same hash": {store.Token{ID: "tok3", Name: "x3", CreatedAt: t0}, []byte{0xde, 0xad, 0xbe, 0xef}},
		"same id":   {store.Token{ID: "tok1", Name: "x4", CreatedAt: t0}, []byte{0x02}},
		"same name": {store.Token{ID: "tok5", Name: "spinnaker", CreatedAt: t0}, []byte{0x03}},
	} {
		if err := s.CreateToken(ctx, tc.tok, tc.hash, store.AuditEntry{Action: "token:create"}); !errors.Is(err, store.ErrConflict) {
			t.Errorf("CreateToken with the %s: %v, want ErrConflict", name, err)
		}
	}
	testTokenLifecycle(t, s)
}

// testTokenLifecycle: uses are recorded, the list never shows a hash, and
// a revoked token stops authenticating at once.
func testTokenLifecycle(t *testing.T, s store.Full) {
	ctx := context.Background()
	used := t0.Add(time.Hour)
	if err := s.TouchToken(ctx, "tok1", used); err != nil {
		t.Fatalf("TouchToken: %v", err)
	}
	if err := s.TouchToken(ctx, "tok1", t0); err != nil { // never backwards
		t.Fatalf("TouchToken: %v", err)
	}
	list, err := s.ListTokens(ctx)
	if err != nil || len(list) != 2 || list[0].Name != "bare" || list[1].Name != "spinnaker" ||
		list[1].LastUsedAt == nil || !list[1].LastUsedAt.Equal(used) || list[0].LastUsedAt != nil {
		t.Fatalf("ListTokens = %+v, %v; want bare then spinnaker, last used %v", list, err, used)
	}
	if err := s.DeleteToken(ctx, "spinnaker", store.AuditEntry{At: used, Actor: "admin", Action: "token:revoke"}); err != nil {
		t.Fatalf("DeleteToken: %v", err)
	}
	if _, err := s.TokenByHash(ctx, []byte{0xde, 0xad, 0xbe, 0xef}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a revoked token still authenticates: %v", err)
	}
	if _, err := s.TokenHash(ctx, "tok1"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("TokenHash of a revoked token: %v, want ErrNotFound", err)
	}
	if err := s.DeleteToken(ctx, "spinnaker", store.AuditEntry{Action: "token:revoke"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("second revoke: %v, want ErrNotFound", err)
	}
	log, err := s.AuditLog(ctx, store.AuditQuery{})
	if err != nil || len(log) != 2 || log[0].Action != "token:create" || log[1].Action != "token:revoke" || log[1].Actor != "admin" {
		t.Fatalf("token audit = %+v, %v; want create then revoke (failed calls and empty actions leave none)", log, err)
	}
}
