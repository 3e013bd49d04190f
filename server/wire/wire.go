// Package wire is what the server lends the integration handlers
// (server/flagger, server/kayentaapi, server/spinnaker): its JSON
// decoding, the caller's identity and service restriction, and an error
// type its problem+json funnel answers with the status the handler chose.
// It is a leaf package, so integrations need not import server (which
// mounts them).
package wire

import (
	"context"
	"net/http"
	"time"

	"github.com/canaryjudge/canaryjudge/store"
)

// Env is the server's machinery, as the integration handlers need it.
type Env struct {
	// Decode reads the size-limited body as JSON into v (Content-Type
	// checked), ignoring fields v does not have (the tools' protocols may
	// grow); problems come back as *judge.ValidationError naming the field.
	Decode func(r *http.Request, v any) error
	// Actor names the authenticated caller for the audit log.
	Actor func(ctx context.Context) string
	// Allow refuses (403) a service the caller's token is not restricted to.
	Allow func(r *http.Request, service string) error
	// Now is the server's clock.
	Now func() time.Time
	// AbsURL makes path absolute on the host the request came to (https
	// behind a proxy that says so), for links a tool shows its users.
	AbsURL func(r *http.Request, path string) string
}

// Error is an error with its own status, answered as problem+json.
type Error struct {
	Status int
	Slug   string // the problem type is urn:canaryjudge:problem:<Slug>
	Title  string
	Detail string
}

func (e *Error) Error() string { return e.Title + ": " + e.Detail }

// Errorf makes an *Error.
func Errorf(status int, slug, title, detail string) *Error {
	return &Error{Status: status, Slug: slug, Title: title, Detail: detail}
}

// WriteJSON writes v as the server writes every JSON answer.
func WriteJSON(w http.ResponseWriter, status int, v any) error {
	body, err := store.EncodeJSON(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
	return nil
}
