package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/server/flagger"
	"github.com/canaryjudge/canaryjudge/server/wire"
)

// integrationRoutes mounts the deploy tools' own protocols beside /v1,
// each handled by its own package and guarded like /v1 (token and scope,
// deadline, path and body checks, one error funnel).
func (s *Server) integrationRoutes(r chi.Router) {
	h := func(scope string, f handlerFunc) http.HandlerFunc {
		return s.require(scope, s.handle(s.guarded(f)))
	}
	fl := &flagger.Handler{Engine: s.engine, Store: s.store, Env: s.wireEnv()}
	r.Post("/flagger/{hook}", h(ScopeJudge, fl.Serve))
}

// wireEnv lends the integration packages the server's machinery.
func (s *Server) wireEnv() wire.Env {
	return wire.Env{Decode: decodeRequest, Actor: principal, Allow: allowService, Now: s.now}
}

// decodeRequest reads the body and decodes it; tolerant decoding accepts
// fields it does not know (third-party protocols that may grow).
func decodeRequest(r *http.Request, v any, tolerant bool) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	if !tolerant {
		return decodeStrict(body, v)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("body", "the request body is empty; a JSON object is required")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("body", "unexpected data after the JSON value")
	}
	return nil
}
