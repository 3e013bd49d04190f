package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// serviceParam returns the {service} path parameter, validated.
func serviceParam(r *http.Request) (string, error) {
	s := chi.URLParam(r, "service")
	if !store.ValidName(s) {
		return "", badRequest("service", "must be "+store.NameRule)
	}
	return s, nil
}

func etag(version int) string { return fmt.Sprintf(`"v%d"`, version) }

// parseIfMatch reads If-Match: absent → 0, `"vN"` or N → N.
func parseIfMatch(r *http.Request) (int, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	v := strings.TrimPrefix(strings.Trim(strings.TrimPrefix(h, "W/"), `"`), "v")
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, badRequest("If-Match", `must be an ETag returned by this API, such as "v3"`)
	}
	return n, nil
}

// putPolicy stores a new policy version; JSON or YAML bodies share one schema.
func (s *Server) putPolicy(w http.ResponseWriter, r *http.Request) error {
	svc, err := serviceParam(r)
	if err != nil {
		return err
	}
	ifMatch, err := parseIfMatch(r)
	if err != nil {
		return err
	}
	p, err := readPolicy(r)
	if err != nil {
		return err
	}
	p.Version = 0 // the store numbers versions
	if ifMatch, err = s.keepSecrets(r, svc, &p, ifMatch); err != nil {
		return err
	}
	rec, err := s.store.PutPolicy(r.Context(), svc, p, ifMatch, principal(r.Context()), s.now())
	if err != nil {
		return err
	}
	rec.Policy = redactPolicy(rec.Policy)
	rec.Policy.Version = rec.Version
	status := http.StatusOK
	if rec.Version == 1 {
		status = http.StatusCreated
	}
	w.Header().Set("ETag", etag(rec.Version))
	s.log.Info("policy stored", "request_id", requestID(r.Context()), "service", svc, "version", rec.Version, "by", rec.CreatedBy)
	writeJSON(w, status, rec)
	return nil
}

// readPolicy decodes a policy body by its Content-Type: YAML only when it
// says so (application/yaml, application/x-yaml, text/yaml); otherwise it
// is JSON (application/json, or no Content-Type, as every other body),
// held to every other body's strictness: one value and nothing after it,
// no byte order mark, UTF-8 only.
func readPolicy(r *http.Request) (judge.Policy, error) {
	ct := r.Header.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	yaml := mt == "application/yaml" || mt == "application/x-yaml" || mt == "text/yaml"
	if ct != "" && !yaml && mt != "application/json" {
		return judge.Policy{}, errStatus(http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type",
			"Content-Type must be application/json or application/yaml")
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return judge.Policy{}, err
	}
	if yaml {
		return policyfile.Parse(body)
	}
	var doc json.RawMessage
	if err := decodeJSON(body, &doc, false); err != nil {
		return judge.Policy{}, err
	}
	return judge.ParsePolicy(body)
}

// getPolicy returns the newest policy version with its ETag.
func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	svc, err := serviceParam(r)
	if err != nil {
		return err
	}
	rec, err := s.store.GetPolicy(r.Context(), svc)
	if err != nil {
		return err
	}
	rec.Policy = redactPolicy(rec.Policy)
	rec.Policy.Version = rec.Version
	w.Header().Set("ETag", etag(rec.Version))
	if r.Header.Get("If-None-Match") == etag(rec.Version) {
		w.WriteHeader(http.StatusNotModified)
		return nil
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// keepSecrets restores credentials sent back redacted (see secrets.go) from
// the stored policy. When it restores any, the write is made conditional on
// that stored version (unless the caller already set If-Match), so a
// concurrent change cannot pair them with another version's sinks.
func (s *Server) keepSecrets(r *http.Request, svc string, p *judge.Policy, ifMatch int) (int, error) {
	if !hasPlaceholder(p) {
		return ifMatch, nil
	}
	var cur *store.PolicyRecord
	rec, err := s.store.GetPolicy(r.Context(), svc)
	switch {
	case err == nil:
		cur = &rec
	case !errors.Is(err, store.ErrNotFound):
		return 0, err
	}
	restored, err := keepSecrets(p, cur)
	if err != nil {
		return 0, err
	}
	if restored && ifMatch == 0 {
		ifMatch = cur.Version
	}
	return ifMatch, nil
}

func hasPlaceholder(p *judge.Policy) bool {
	for _, sk := range p.Notify {
		if sk.Secret == secretSet || sk.RoutingKey == secretSet || strings.Contains(sk.URL, urlRedacted) {
			return true
		}
	}
	return false
}
