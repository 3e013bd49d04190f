package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CookieName holds a browser's UI session (never its token).
const CookieName = "canaryjudge_session"

// oldCookieName held the raw token before sessions; login and logout clear it.
const oldCookieName = "canaryjudge_token"

// SessionAge is how long a UI session lasts.
const SessionAge = 8 * time.Hour

type callerKey struct{}

// credential is what a request carries: a bearer token in the
// Authorization header (which wins) or a session cookie.
func credential(r *http.Request) (value string, session, ok bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		s, ok := strings.CutPrefix(h, "Bearer ")
		return strings.TrimSpace(s), false, ok && strings.TrimSpace(s) != ""
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value, true, true
	}
	return "", false, false
}

// authenticate lets a request through with its caller, or answers with
// the token form (401). With authentication off everyone reads.
func (u *UI) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.o.Auth == nil {
			next.ServeHTTP(w, r)
			return
		}
		value, session, ok := credential(r)
		if !ok {
			u.askToken(w, r, http.StatusUnauthorized, "")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), u.o.Timeout)
		var (
			c   Caller
			err error
		)
		if session {
			c, err = u.o.Sessions.Check(ctx, value)
		} else {
			c, err = u.o.Auth(ctx, value)
		}
		cancel()
		switch {
		case errors.Is(err, ErrUnauthorized):
			clearCookie(w, r)
			u.askToken(w, r, http.StatusUnauthorized, "That token or session is unknown or was revoked, or it expired.")
			return
		case err != nil:
			u.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), callerKey{}, c)))
	})
}

type loginView struct {
	Next    string
	Problem string
	AuthOn  bool
}

// askToken renders the token form, returning to the page asked for.
func (u *UI) askToken(w http.ResponseWriter, r *http.Request, status int, problem string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="canaryjudge"`)
	u.render(w, r, status, view{Name: "login", Title: "Sign in", Data: loginView{Next: safeNext(r.RequestURI), Problem: problem, AuthOn: true}})
}

func (u *UI) loginPage(w http.ResponseWriter, r *http.Request) {
	u.render(w, r, http.StatusOK, view{Name: "login", Title: "Sign in",
		Data: loginView{Next: safeNext(r.URL.Query().Get("next")), AuthOn: u.o.Auth != nil}})
}

// login checks the token from the form and sets a session derived from it
// (never the token) in a cookie only this site's own pages send back
// (SameSite=Strict), out of reach of any script (HttpOnly), and only over
// TLS when the page came over TLS (Secure).
func (u *UI) login(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		u.fail(w, r, errForbidden("the token form must be sent from this site's own login page"))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil {
		u.fail(w, r, errBadRequest("the form could not be read: "+err.Error()))
		return
	}
	next := safeNext(r.PostForm.Get("next"))
	if u.o.Auth == nil {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	secret := strings.TrimSpace(r.PostForm.Get("token"))
	if secret == "" || !plausibleToken(secret) {
		u.render(w, r, http.StatusBadRequest, view{Name: "login", Title: "Sign in",
			Data: loginView{Next: next, AuthOn: true, Problem: "Paste an API token (its secret, as printed when it was made)."}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), u.o.Timeout)
	value, _, err := u.o.Sessions.New(ctx, secret)
	cancel()
	switch {
	case errors.Is(err, ErrUnauthorized):
		u.render(w, r, http.StatusUnauthorized, view{Name: "login", Title: "Sign in",
			Data: loginView{Next: next, AuthOn: true, Problem: "That token is unknown or was revoked."}})
		return
	case err != nil:
		u.fail(w, r, err)
		return
	}
	clearOld(w, r)
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: value, Path: "/ui/", MaxAge: int(SessionAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (u *UI) logout(w http.ResponseWriter, r *http.Request) {
	if !sameOrigin(r) {
		u.fail(w, r, errForbidden("sign out from this site's own pages"))
		return
	}
	clearCookie(w, r)
	http.Redirect(w, r, "/ui/login", http.StatusSeeOther)
}

func clearCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: "", Path: "/ui/", MaxAge: -1, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
	clearOld(w, r)
}

// clearOld removes a cookie of an older release that held the token itself.
func clearOld(w http.ResponseWriter, r *http.Request) {
	if _, err := r.Cookie(oldCookieName); err == nil {
		http.SetCookie(w, &http.Cookie{Name: oldCookieName, Value: "", Path: "/ui/", MaxAge: -1, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: overTLS(r)})
	}
}

// overTLS reports whether the page came over TLS, here or at a proxy in
// front (X-Forwarded-Proto: https): then the cookie is Secure.
func overTLS(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// sameOrigin refuses a form posted from another site: browsers send
// Origin (or at least Sec-Fetch-Site) with every POST.
func sameOrigin(r *http.Request) bool {
	if s := r.Header.Get("Sec-Fetch-Site"); s != "" && s != "same-origin" && s != "none" {
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || o == "null" {
		return o == ""
	}
	ou, err := url.Parse(o)
	return err == nil && ou.Host == r.Host
}

// safeNext keeps a return address on this UI: a path under /ui/, never
// another host ("//evil", "/\evil").
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/ui/") || strings.ContainsAny(next, "\\\r\n") || strings.HasPrefix(next, "//") {
		return "/ui/"
	}
	return next
}

// plausibleToken reports whether s could be a token: at most 512
// printable ASCII characters without quotes, separators or backslashes.
func plausibleToken(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || c == '"' || c == ';' || c == '\\' || c == ',' {
			return false
		}
	}
	return len(s) <= 512
}

// allowed reports whether the caller may see service.
func allowed(r *http.Request, service string) bool {
	c, ok := r.Context().Value(callerKey{}).(Caller)
	if !ok || c.Services == nil {
		return true
	}
	for _, s := range c.Services {
		if s == service {
			return true
		}
	}
	return false
}

// services is the caller's service restriction (nil: all).
func services(r *http.Request) []string {
	if c, ok := r.Context().Value(callerKey{}).(Caller); ok {
		return c.Services
	}
	return nil
}
