package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/store"
)

// SourceRequest is PUT /v1/sources/{name}: a metric source's backend type
// and its configuration document (for prometheus: url, timeout, retries,
// backoff, step, basic_auth or bearer_token, tls, concurrency).
type SourceRequest struct {
	Type   string          `json:"type"`
	Config json.RawMessage `json:"config"`
}

// sourceRecord finds a source: the server's sources file first, then the
// store.
func (s *Server) sourceRecord(ctx context.Context, name string) (store.SourceRecord, error) {
	if rec, ok := s.staticSources[name]; ok {
		return rec, nil
	}
	return s.store.GetSource(ctx, name)
}

// redacted is a source as readers see it: credentials hidden, by the
// backend and then by redactDoc (URLs as sink URLs are, any field that
// names a credential), whatever the backend.
func (s *Server) redacted(rec store.SourceRecord) map[string]any {
	cfg := json.RawMessage(`{}`)
	if b, ok := s.backends[rec.Type]; ok {
		cfg = redactDoc(b.Redact(rec.Config))
	}
	_, static := s.staticSources[rec.Name]
	return map[string]any{"name": rec.Name, "type": rec.Type, "config": cfg, "version": rec.Version,
		"updated_at": rec.UpdatedAt, "updated_by": rec.UpdatedBy, "from_file": static}
}

// checkSourceName: only an unrestricted token configures sources, under a
// valid name.
func checkSourceName(r *http.Request, name string) error {
	if allowedServices(r) != nil {
		return forbidden("a token limited to services cannot configure sources")
	}
	if !store.ValidName(name) {
		return badRequest("name", "must be "+store.NameRule)
	}
	return nil
}

// fromFile refuses to change a source of the server's sources file over
// the API (verb: what to do there instead).
func (s *Server) fromFile(name, verb string) error {
	if _, ok := s.staticSources[name]; ok {
		return errStatus(http.StatusConflict, "source-from-file", "Source configured in the server's file",
			"source "+name+" comes from the server's sources file; "+verb+" it there")
	}
	return nil
}

func (s *Server) putSource(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	if err := checkSourceName(r, name); err != nil {
		return err
	}
	var req SourceRequest
	if _, err := readJSON(r, &req); err != nil {
		return err
	}
	if err := s.fromFile(name, "change"); err != nil {
		return err
	}
	b, ok := s.backends[req.Type]
	if !ok {
		return badRequest("type", "must be one of the backends of this build: "+backendNames(s))
	}
	prev, err := s.store.GetSource(r.Context(), name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	var prevCfg json.RawMessage
	if prev.Type == req.Type {
		prevCfg = prev.Config
	}
	in, err := restoreURLs(req.Config, prevCfg, "config")
	if err != nil {
		return err
	}
	cfg, err := b.Validate(in, prevCfg)
	if err != nil {
		return err
	}
	actor := principal(r.Context())
	rec, err := s.store.PutSource(r.Context(), store.SourceRecord{Name: name, Type: req.Type, Config: cfg, UpdatedAt: s.now().UTC(), UpdatedBy: actor},
		store.AuditEntry{Actor: actor, Action: "source:put", Input: mustJSON(map[string]any{"name": name, "type": req.Type})})
	if err != nil {
		return err
	}
	status := http.StatusOK
	if rec.Version == 1 {
		status = http.StatusCreated
	}
	writeJSON(w, status, s.redacted(rec))
	return nil
}

func backendNames(s *Server) string {
	names := make([]string, 0, len(s.backends))
	for k := range s.backends {
		names = append(names, k)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) error {
	rec, err := s.sourceRecord(r.Context(), chi.URLParam(r, "name"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.redacted(rec))
	return nil
}

func (s *Server) getSources(w http.ResponseWriter, r *http.Request) error {
	recs, err := s.store.ListSources(r.Context())
	if err != nil {
		return err
	}
	out := []map[string]any{}
	for _, rec := range s.staticList() {
		out = append(out, s.redacted(rec))
	}
	for _, rec := range recs {
		if _, shadowed := s.staticSources[rec.Name]; !shadowed {
			out = append(out, s.redacted(rec))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"sources": out})
	return nil
}

func (s *Server) staticList() []store.SourceRecord {
	out := make([]store.SourceRecord, 0, len(s.staticSources))
	for _, rec := range s.staticSources {
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b store.SourceRecord) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// deleteSource removes a stored source (DELETE /v1/sources/{name}): 204,
// 404 when there is none, 409 while a running run uses it (naming the
// runs) or when it comes from the server's sources file.
func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) error {
	name := chi.URLParam(r, "name")
	if err := checkSourceName(r, name); err != nil {
		return err
	}
	if err := s.fromFile(name, "remove"); err != nil {
		return err
	}
	actor := principal(r.Context())
	err := s.store.DeleteSource(r.Context(), name, store.AuditEntry{At: s.now().UTC(), Actor: actor, Action: "source:delete",
		Input: mustJSON(map[string]any{"name": name})})
	var inUse *store.SourceInUseError
	if errors.As(err, &inUse) {
		return &httpError{status: http.StatusConflict, slug: "source-in-use", title: "The source is used by running runs",
			detail: err.Error(), current: map[string]any{"runs": inUse.Runs}}
	}
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
