package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CookieName holds a browser's token for the UI.
const CookieName = "canaryjudge_token"

// cookieAge is how long a browser keeps the token.
const cookieAge = 8 * time.Hour

type callerKey struct{}

// secretOf is the token a request carries: the Authorization header wins
// over the cookie.
func secretOf(r *http.Request) (string, bool) {
	if h := r.Header.Get("Authorization"); h != "" {
		s, ok := strings.CutPrefix(h, "Bearer ")
		return strings.TrimSpace(s), ok && strings.TrimSpace(s) != ""
	}
	if c, err := r.Cookie(CookieName); err == nil && c.Value != "" {
		return c.Value, true
	}
	return "", false
}

// authenticate lets a request through with its caller, or answers with
// the token form (401). With authentication off everyone reads.
func (u *UI) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u.o.Auth == nil {
			next.ServeHTTP(w, r)
			return
		}
		secret, ok := secretOf(r)
		if !ok {
			u.askToken(w, r, http.StatusUnauthorized, "")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), u.o.Timeout)
		c, err := u.o.Auth(ctx, secret)
		cancel()
		switch {
		case errors.Is(err, ErrUnauthorized):
			clearCookie(w, r)
			u.askToken(w, r, http.StatusUnauthorized, "That token is unknown or was revoked.")
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

// login checks the token from the form and keeps it in a cookie only this
// site's own pages send back (SameSite=Strict), out of reach of any script
// (HttpOnly), over TLS only when the request came over TLS.
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
	if secret == "" || !cookieSafe(secret) {
		u.render(w, r, http.StatusBadRequest, view{Name: "login", Title: "Sign in",
			Data: loginView{Next: next, AuthOn: true, Problem: "Paste an API token (its secret, as printed when it was made)."}})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), u.o.Timeout)
	_, err := u.o.Auth(ctx, secret)
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
	http.SetCookie(w, &http.Cookie{Name: CookieName, Value: secret, Path: "/ui/", MaxAge: int(cookieAge.Seconds()),
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
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
		SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
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

// cookieSafe reports whether secret can be a cookie value as it is.
func cookieSafe(s string) bool {
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
