package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Instance  string             `json:"instance,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
	Errors    []judge.FieldError `json:"errors,omitempty"`
	// Current carries the current state on conflicts (e.g. the release state).
	Current any `json:"current,omitempty"`
	// Limit names the limit migration SQL exceeded (413 / 422).
	Limit *ProblemLimit `json:"limit,omitempty"`
}

const problemBase = "urn:canaryjudge:problem:"

// httpError is an error that knows its response.
type httpError struct {
	status  int
	slug    string
	title   string
	detail  string
	errors  []judge.FieldError
	current any
}

func (e *httpError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.title, e.detail) }

func errStatus(status int, slug, title, detail string) *httpError {
	return &httpError{status: status, slug: slug, title: title, detail: detail}
}

// badRequest is a validation error on one field.
func badRequest(field, msg string) error {
	v := &judge.ValidationError{}
	v.Add(field, msg)
	return v
}

// toProblem is the one place where errors become HTTP responses.
func toProblem(err error) Problem {
	var (
		he     *httpError
		mbe    *http.MaxBytesError
		tr     *judge.ErrTransition
		active *store.ActiveReleaseError
		window *engine.WindowConflictError
		we     *wire.Error
	)
	switch v, isValidation := judge.AsValidation(err); {
	case errors.As(err, &he):
		return Problem{Type: problemBase + he.slug, Title: he.title, Status: he.status, Detail: he.detail, Errors: he.errors, Current: he.current}
	case errors.As(err, &we):
		return Problem{Type: problemBase + we.Slug, Title: we.Title, Status: we.Status, Detail: we.Detail}
	case isValidation:
		return Problem{Type: problemBase + "validation", Title: "Invalid request", Status: http.StatusBadRequest,
			Detail: v.Error(), Errors: v.Problems}
	case isSQLLimit(err):
		return sqlLimitProblem(err)
	case errors.As(err, &mbe):
		return Problem{Type: problemBase + "too-large", Title: "Request body too large", Status: http.StatusRequestEntityTooLarge,
			Detail: fmt.Sprintf("the request body exceeds the limit of %d bytes", mbe.Limit)}
	case errors.As(err, &tr):
		return Problem{Type: problemBase + "invalid-transition", Title: "Not allowed in the current state", Status: http.StatusConflict,
			Detail: err.Error(), Current: map[string]any{"state": tr.From}}
	case errors.As(err, &active):
		return Problem{Type: problemBase + "active-release", Title: "Another release is active", Status: http.StatusConflict,
			Detail: err.Error(), Current: active.Active}
	case errors.As(err, &window):
		return Problem{Type: problemBase + "window-conflict", Title: "Window overlaps an earlier one", Status: http.StatusConflict,
			Detail: err.Error(), Current: window}
	case errors.Is(err, engine.ErrIdempotencyMismatch):
		return Problem{Type: problemBase + "idempotency-mismatch", Title: "Idempotency-Key reused", Status: http.StatusUnprocessableEntity,
			Detail: err.Error()}
	case errors.Is(err, store.ErrNotFound):
		return Problem{Type: problemBase + "not-found", Title: "Not found", Status: http.StatusNotFound, Detail: err.Error()}
	case errors.Is(err, store.ErrPrecondition):
		return Problem{Type: problemBase + "precondition-failed", Title: "Precondition failed", Status: http.StatusPreconditionFailed, Detail: err.Error()}
	case errors.Is(err, store.ErrConflict):
		return Problem{Type: problemBase + "conflict", Title: "Conflict", Status: http.StatusConflict, Detail: err.Error()}
	case errors.Is(err, store.ErrUnavailable), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return Problem{Type: problemBase + "unavailable", Title: "Service unavailable", Status: http.StatusServiceUnavailable,
			Detail: "the store is unavailable; retry later (with the same Idempotency-Key, if any)"}
	default:
		return Problem{Type: problemBase + "internal", Title: "Internal server error", Status: http.StatusInternalServerError,
			Detail: "an unexpected error occurred; the request ID is in the logs"}
	}
}

// fail writes err as problem+json and logs it with the request ID.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	p := toProblem(err)
	p.Instance = r.URL.Path
	p.RequestID = requestID(r.Context())
	level := slog.LevelInfo
	if p.Status >= 500 {
		level = slog.LevelError
	}
	s.log.Log(r.Context(), level, "request failed", "request_id", p.RequestID, "status", p.Status, "error", err.Error())
	writeProblem(w, p)
}

// RetryAfterSeconds is the Retry-After of every 503.
const RetryAfterSeconds = 5

func writeProblem(w http.ResponseWriter, p Problem) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Cache-Control", "no-store")
	if p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", strconv.Itoa(RetryAfterSeconds))
	}
	w.WriteHeader(p.Status)
	body, _ := store.EncodeJSON(p)
	_, _ = w.Write(body)
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := store.EncodeJSON(v)
	if err != nil {
		writeProblem(w, toProblem(err))
		return
	}
	writeBody(w, status, body)
}

// writeBody sends an encoded JSON body with its length: a body over 2 KB
// sent without one goes chunked, a write and a chunk header more (a
// decision's response is ~14 KB).
func writeBody(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// handlerFunc is a handler that returns its error to the funnel.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (s *Server) handle(h handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			s.fail(w, r, err)
		}
	}
}
