package server

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/server/ui"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestUISessions: a session made from a token holds no part of it, names
// the token's caller and restriction, and ends when it expires or the
// token is revoked; any change to it, or a token it was not made from, is
// refused. The bootstrap admin token's sessions end when it is replaced.
func TestUISessions(t *testing.T) {
	ctx := context.Background()
	clk := testclock.New(time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC))
	st := memory.New()
	const boot = "session-test-admin-token-0123456789"
	s := New(Config{Auth: true, AdminTokenHash: HashToken(boot)}, Deps{Store: st, Now: clk.Now})
	secret, hash := NewToken()
	if err := st.CreateToken(ctx, store.Token{ID: "tok_1", Name: "reader", Scopes: []string{ScopeRead}, Services: []string{"shop"},
		CreatedAt: clk.Now()}, hash, store.AuditEntry{Action: "token:create"}); err != nil {
		t.Fatal(err)
	}
	v, c, err := s.newSession(ctx, secret)
	if err != nil || c.Name != "token:reader" || len(c.Services) != 1 || strings.Contains(v, secret) || !strings.HasPrefix(v, sessionPrefix) {
		t.Fatalf("newSession = %q, %+v, %v", v, c, err)
	}
	if c, err := s.session(ctx, v); err != nil || c.Name != "token:reader" || c.Services[0] != "shop" {
		t.Fatalf("session = %+v, %v", c, err)
	}
	parts := strings.Split(v, ".")
	for name, forged := range map[string]string{
		"no prefix":      strings.TrimPrefix(v, sessionPrefix),
		"other id":       sessionPrefix + "Ym9vdHN0cmFw." + parts[2] + "." + parts[3],
		"later expiry":   sessionPrefix + parts[1] + ".9" + parts[2] + "." + parts[3],
		"other mac":      sessionPrefix + parts[1] + "." + parts[2] + ".AAAA" + parts[3][4:],
		"extra part":     v + ".x",
		"the token":      secret,
		"empty":          "",
		"bad base64 id":  sessionPrefix + "!!." + parts[2] + "." + parts[3],
		"unknown token":  sessionPrefix + "dG9rXzk." + parts[2] + "." + parts[3],
		"non-number exp": sessionPrefix + parts[1] + ".soon." + parts[3],
	} {
		if _, err := s.session(ctx, forged); !errors.Is(err, ui.ErrUnauthorized) {
			t.Errorf("%s: session(%q) = %v, want ErrUnauthorized", name, forged, err)
		}
	}
	if _, _, err := s.newSession(ctx, "cj_wrong"); !errors.Is(err, ui.ErrUnauthorized) {
		t.Errorf("newSession of an unknown token: %v", err)
	}
	clk.Advance(ui.SessionAge)
	if _, err := s.session(ctx, v); !errors.Is(err, ui.ErrUnauthorized) {
		t.Errorf("a session %s old: %v, want ErrUnauthorized", ui.SessionAge, err)
	}
	v, _, _ = s.newSession(ctx, secret)
	if err := st.DeleteToken(ctx, "reader", store.AuditEntry{Action: "token:revoke"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.session(ctx, v); !errors.Is(err, ui.ErrUnauthorized) {
		t.Errorf("a session of a revoked token: %v, want ErrUnauthorized", err)
	}
	bv, bc, err := s.newSession(ctx, boot)
	if err != nil || bc.Name != "token:bootstrap-admin" {
		t.Fatalf("bootstrap session: %+v, %v", bc, err)
	}
	if _, err := s.session(ctx, bv); err != nil {
		t.Fatalf("bootstrap session: %v", err)
	}
	replaced := New(Config{Auth: true, AdminTokenHash: HashToken(boot + "-rotated")}, Deps{Store: st, Now: clk.Now})
	if _, err := replaced.session(ctx, bv); !errors.Is(err, ui.ErrUnauthorized) {
		t.Errorf("a session of a replaced bootstrap token: %v, want ErrUnauthorized", err)
	}
}
