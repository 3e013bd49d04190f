package ui_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/demo"
)

// TestAuth: with auth on, a page needs the API's token as a header, or the
// session cookie the token form sets (HttpOnly, SameSite=Strict, path /ui/,
// Secure over TLS), which never holds the token; an unknown token or a
// forged session gets the form again and loses its cookie.
func TestAuth(t *testing.T) {
	s := memSite(t, true)
	rel := "/ui/releases/" + s.story.RolledBack
	p := s.get(t, rel)
	p.must(t, 401, `<form method="post" action="/ui/login"`, `name="next" value="`+rel+`"`)
	if p.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	s.get(t, rel, "Authorization", "Bearer "+adminToken).must(t, 200, "signed in as token:bootstrap-admin")
	s.get(t, rel, "Authorization", "Bearer wrong-token").must(t, 401, "unknown or was revoked")

	login := s.do(t, http.MethodPost, "/ui/login", form("token", adminToken, "next", rel), "Origin", s.srv.URL)
	if login.status != http.StatusSeeOther || login.header.Get("Location") != rel {
		t.Fatalf("login: %d to %q, want 303 to %s", login.status, login.header.Get("Location"), rel)
	}
	ck := login.header.Get("Set-Cookie")
	for _, attr := range []string{"canaryjudge_session=s1.", "Path=/ui/", "HttpOnly", "SameSite=Strict", "Max-Age=28800"} {
		if !strings.Contains(ck, attr) {
			t.Errorf("Set-Cookie %q lacks %s", ck, attr)
		}
	}
	if strings.Contains(ck, adminToken) || strings.Contains(ck, "Secure") {
		t.Errorf("Set-Cookie %q holds the token, or is Secure on a plain-HTTP server (the browser would never send it back)", ck)
	}
	cookie := strings.Split(ck, ";")[0]
	s.get(t, rel, "Cookie", cookie).must(t, 200, demo.Version, "signed in as token:bootstrap-admin")
	for _, forged := range []string{
		"canaryjudge_session=cj_not_a_session",
		"canaryjudge_session=" + adminToken,
		cookie[:len(cookie)-2] + "AA",                          // another signature
		strings.Replace(cookie, ".", ".9", 2),                  // another expiry
		"canaryjudge_session=s1.Ym9vdHN0cmFw.99999999999.AAAA", // the bootstrap token's id, made up
	} {
		bad := s.get(t, rel, "Cookie", forged)
		bad.must(t, 401)
		if !strings.Contains(bad.header.Get("Set-Cookie"), "Max-Age=0") {
			t.Errorf("cookie %q is not cleared: %q", forged, bad.header.Get("Set-Cookie"))
		}
	}
	// A cookie of the older release held the token itself: it opens nothing now.
	s.get(t, rel, "Cookie", "canaryjudge_token="+adminToken).must(t, 401)
	behindTLS := s.do(t, http.MethodPost, "/ui/login", form("token", adminToken, "next", rel), "Origin", s.srv.URL,
		"X-Forwarded-Proto", "https")
	if c := behindTLS.header.Get("Set-Cookie"); !strings.Contains(c, "Secure") {
		t.Errorf("Set-Cookie over TLS (at a proxy) %q is not Secure", c)
	}
	out := s.do(t, http.MethodPost, "/ui/logout", "", "Cookie", cookie, "Origin", s.srv.URL)
	if out.status != http.StatusSeeOther || !strings.Contains(out.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Errorf("logout: %d, Set-Cookie %q", out.status, out.header.Get("Set-Cookie"))
	}
	// The JSON report takes the same header.
	if p := s.get(t, "/v1/releases/"+s.story.RolledBack+"/report"); p.status != 401 {
		t.Errorf("report without a token: %d", p.status)
	}
}

// TestLoginRefusals: a form from another site, a return address off the
// UI and a wrong token are refused; a token form with auth off just goes on.
func TestLoginRefusals(t *testing.T) {
	s := memSite(t, true)
	p := s.do(t, http.MethodPost, "/ui/login", form("token", adminToken), "Origin", "https://evil.example")
	p.must(t, 403)
	if strings.Contains(p.header.Get("Set-Cookie"), adminToken) {
		t.Fatal("a cross-site form set the cookie")
	}
	s.do(t, http.MethodPost, "/ui/login", form("token", adminToken), "Sec-Fetch-Site", "cross-site").must(t, 403)
	for _, next := range []string{"//evil.example/ui/", "https://evil.example/", "/\\evil.example", "/v1/tokens"} {
		p := s.do(t, http.MethodPost, "/ui/login", form("token", adminToken, "next", next), "Origin", s.srv.URL)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != "/ui/" {
			t.Errorf("next %q: redirected to %q, want /ui/", next, p.header.Get("Location"))
		}
	}
	s.do(t, http.MethodPost, "/ui/login", form("token", "cj_wrong"), "Origin", s.srv.URL).must(t, 401, "unknown or was revoked")
	s.do(t, http.MethodPost, "/ui/login", form("token", ""), "Origin", s.srv.URL).must(t, 400)

	open := memSite(t, false)
	open.get(t, "/ui/login").must(t, 200, "Authentication is off")
}

// TestServiceRestriction: a token limited to one service sees only its
// releases, and a report or service page of another service is 403.
func TestServiceRestriction(t *testing.T) {
	s := memSite(t, true)
	ctx := context.Background()
	if err := s.admin.Do(ctx, http.MethodPut, "/v1/services/search/policy", demo.Policy(""), nil); err != nil {
		t.Fatal(err)
	}
	var tok struct{ Token string }
	if err := s.admin.Do(ctx, http.MethodPost, "/v1/tokens", map[string]any{"name": "search-reader", "scopes": []string{"read"},
		"services": []string{"search"}}, &tok); err != nil {
		t.Fatal(err)
	}
	auth := []string{"Authorization", "Bearer " + tok.Token}
	list := s.get(t, "/ui/", auth...)
	list.must(t, 200)
	if strings.Contains(list.body, s.story.RolledBack) {
		t.Error("a search-only token lists checkout's releases")
	}
	s.get(t, "/ui/releases/"+s.story.RolledBack, auth...).must(t, 403)
	s.get(t, "/ui/services/checkout", auth...).must(t, 403)
	s.get(t, "/ui/services/search", auth...).must(t, 200)
}
