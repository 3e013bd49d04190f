package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server/ui/chart"
	"github.com/canaryjudge/canaryjudge/store"
)

// frame is what the layout around every page needs.
type frame struct {
	Title   string
	Caller  string // "" when authentication is off
	AuthOn  bool
	Version string
	Page    any
}

var funcs = template.FuncMap{
	"num": func(p *float64) string {
		if p == nil {
			return "—"
		}
		return chart.Num(*p)
	},
	"f":       chart.Num,
	"pct":     func(x float64) string { return chart.Num(x*100) + " %" },
	"time":    func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
	"ptime":   func(t *time.Time) string { return fmtPtrTime(t) },
	"measure": chart.MeasureText,
	"release": func(id string) string { return "/ui/releases/" + url.PathEscape(id) },
	"service": func(s string) string { return "/ui/services/" + url.PathEscape(s) },
	"apiReport": func(id string) string {
		return "/v1/releases/" + url.PathEscape(id) + "/report"
	},
	"join":      strings.Join,
	"readable":  report.Readable,
	"interval":  report.IntervalText,
	"allowance": report.AllowanceText,
	"guardNumbers": func(r judge.Reason, nums map[string]any) string {
		return report.GuardNumbers(r, nums)
	},
	"clock": report.Clock,
	"span":  report.SpanText,
	"wspan": func(s *judge.Span) string {
		if s == nil || s.End.IsZero() {
			return ""
		}
		return report.SpanText(s.Start, s.End)
	},
	"windowsOf": func(ss []report.Span) string {
		parts := make([]string, 0, len(ss))
		for _, w := range ss {
			parts = append(parts, fmt.Sprintf("window %d: %s", w.Seq, report.SpanText(w.Start, w.End)))
		}
		return strings.Join(parts, "; ")
	},
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[fmt.Sprint(kv[i])] = kv[i+1]
		}
		return m
	},
}

func fmtPtrTime(t *time.Time) string {
	if t == nil {
		return "—"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

// parsePages parses the layout with each page; tokenHint tells the
// sign-in page how a token is had on this server.
func parsePages(tokenHint string) map[string]*template.Template {
	if tokenHint == "" {
		tokenHint = DefaultTokenHint
	}
	fs := template.FuncMap{"tokenHint": func() string { return tokenHint }}
	for k, v := range funcs {
		fs[k] = v
	}
	out := map[string]*template.Template{}
	for _, name := range []string{"releases", "report", "service", "login", "error"} {
		out[name] = template.Must(template.New("layout.html").Funcs(fs).ParseFS(templateFS, "templates/layout.html",
			"templates/"+name+".html"))
	}
	return out
}

// render writes a page; it renders into memory first so a template error
// is a clean 500, never half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, v view) {
	fr := frame{Title: v.Title, AuthOn: u.o.Auth != nil, Version: u.o.Version, Page: v.Data}
	if c, ok := r.Context().Value(callerKey{}).(Caller); ok {
		fr.Caller = c.Name
	}
	var b bytes.Buffer
	if err := u.pages[v.Name].Execute(&b, fr); err != nil {
		u.o.Log.Error("ui: template failed", "page", v.Name, "error", err)
		http.Error(w, "the page could not be rendered; the error is in the logs", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// pageError is an error with the status its page gets.
type pageError struct {
	status int
	msg    string
}

func (e *pageError) Error() string { return e.msg }

func errNotFound(msg string) error   { return &pageError{http.StatusNotFound, msg} }
func errBadRequest(msg string) error { return &pageError{http.StatusBadRequest, msg} }
func errForbidden(msg string) error  { return &pageError{http.StatusForbidden, msg} }

type errorView struct {
	Status int
	Text   string
	Detail string
}

// fail renders the error page: a store outage is 503 (with Retry-After),
// an unknown release 404, bad input 400; anything else is logged and 500.
func (u *UI) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, detail := http.StatusInternalServerError, "an unexpected error occurred; it is in the logs"
	var pe *pageError
	v, isValidation := judge.AsValidation(err)
	switch {
	case errors.As(err, &pe):
		status, detail = pe.status, pe.msg
	case isValidation:
		status, detail = http.StatusBadRequest, v.Error()
	case errors.Is(err, store.ErrNotFound):
		status, detail = http.StatusNotFound, "not found: "+err.Error()
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		status, detail = http.StatusServiceUnavailable, "the database cannot be reached; try again shortly"
		w.Header().Set("Retry-After", "5")
	default:
		u.o.Log.Error("ui: page failed", "path", r.URL.Path, "error", err)
	}
	u.render(w, r, status, view{Name: "error", Title: fmt.Sprintf("%d %s", status, http.StatusText(status)),
		Data: errorView{Status: status, Text: http.StatusText(status), Detail: detail}})
}
