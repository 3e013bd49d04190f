// Package ui is canaryjudge's read-only web UI under /ui/: the releases,
// each release's report (the same report.Report the JSON API serves) and
// each service's policy and verdict history. Pages are rendered on the
// server with html/template and carry their charts as inline SVG (package
// chart): no JavaScript, no external assets, so it works offline and under
// a Content-Security-Policy that allows no script at all.
//
// With authentication on, a page needs the same bearer token as the API,
// sent as an Authorization header, or a session cookie the token form at
// /ui/login sets (HttpOnly, SameSite=Strict, Secure over TLS), which holds
// a session derived from the token, never the token itself.
package ui

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server/query"
	"github.com/canaryjudge/canaryjudge/store"
)

// Store is what the UI reads.
type Store interface {
	report.Source
	ListReleases(ctx context.Context, q store.ReleaseQuery) ([]store.Release, error)
	GetPolicy(ctx context.Context, service string) (store.PolicyRecord, error)
	Verdicts(ctx context.Context, q store.VerdictQuery) ([]store.Verdict, error)
	ListFreezes(ctx context.Context, now time.Time) ([]judge.Freeze, error)
}

// Caller is an authenticated reader: its name and the services it may see
// (nil: every service).
type Caller struct {
	Name     string
	Services []string
}

// ErrUnauthorized is what an Authenticator returns for an unknown or
// revoked token; any other error means the check itself failed (503).
var ErrUnauthorized = errors.New("unknown or revoked token")

// Authenticator checks a bearer token's secret.
type Authenticator func(ctx context.Context, secret string) (Caller, error)

// Sessions turn a token into the value of the session cookie (New, from
// the token form) and a cookie value back into its caller (Check). The
// value must not be the token: a session is opaque or derived from it, and
// ends by itself (SessionAge). Both answer ErrUnauthorized for an unknown,
// revoked or expired token or session.
type Sessions struct {
	New   func(ctx context.Context, secret string) (string, Caller, error)
	Check func(ctx context.Context, value string) (Caller, error)
}

// Options configure the UI.
type Options struct {
	Store Store
	// Auth checks tokens sent as a header; nil means authentication is off
	// and every page is open, as the API is. With Auth, Sessions serve the
	// token form's cookie.
	Auth     Authenticator
	Sessions Sessions
	Log      *slog.Logger
	Now      func() time.Time
	Timeout  time.Duration // bound on one page's store reads (503 past it)
	Version  string
	// TokenHint tells the sign-in page how a token is had on this server
	// (it depends on the store); empty is DefaultTokenHint.
	TokenHint string
}

// DefaultTokenHint is the sign-in page's hint when the server gives none.
const DefaultTokenHint = "Ask an admin for one: POST /v1/tokens makes one on any server; on PostgreSQL, so does canaryjudge token create."

// UI serves the pages.
type UI struct {
	o     Options
	pages map[string]*template.Template
	mux   chi.Router
}

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static/style.css
var styleCSS []byte

// New builds the UI. Its routes are relative: mount it at /ui.
func New(o Options) *UI {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Timeout <= 0 {
		o.Timeout = 15 * time.Second
	}
	u := &UI{o: o, pages: parsePages(o.TokenHint)}
	r := chi.NewRouter()
	r.Use(secureHeaders)
	r.Get("/static/style.css", serveCSS)
	r.Get("/login", u.loginPage)
	r.Post("/login", u.login)
	r.Post("/logout", u.logout)
	r.Group(func(r chi.Router) {
		r.Use(u.authenticate, u.deadline)
		r.Get("/", u.page(u.releases))
		r.Get("/releases/{id}", u.page(u.report))
		r.Get("/services/{service}", u.page(u.service))
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		u.fail(w, r, errNotFound("no page at "+r.URL.Path))
	})
	u.mux = r
	return u
}

// ServeHTTP makes UI an http.Handler.
func (u *UI) ServeHTTP(w http.ResponseWriter, r *http.Request) { u.mux.ServeHTTP(w, r) }

// secureHeaders: no script may run, nothing is framed or cached, and
// nothing loads from anywhere but this server.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("Cache-Control", "no-store")
		next.ServeHTTP(w, r)
	})
}

func serveCSS(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	_, _ = w.Write(styleCSS)
}

// deadline bounds a page's store reads.
func (u *UI) deadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), u.o.Timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// view is a page to render: its template, title and data.
type view struct {
	Name, Title string
	Data        any
}

// pageFunc builds a page.
type pageFunc func(r *http.Request) (view, error)

// page renders what f builds, or the error page.
func (u *UI) page(f pageFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := query.Check(r.URL.RawQuery); err != nil {
			u.fail(w, r, err)
			return
		}
		v, err := f(r)
		if err != nil {
			u.fail(w, r, err)
			return
		}
		u.render(w, r, http.StatusOK, v)
	}
}
