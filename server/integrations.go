package server

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/server/flagger"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/server/spinnaker"
	"github.com/canaryjudge/canaryjudge/server/wire"
)

// integrationRoutes mounts the deploy tools' own protocols beside /v1,
// each handled by its own package and guarded like /v1 (token and scope,
// deadline, path and body checks, one error funnel).
func (s *Server) integrationRoutes(r chi.Router) {
	h := s.route
	rels := deploytool.Releases{Engine: s.engine, Store: s.store}
	fl := &flagger.Handler{Releases: rels, Env: s.wireEnv(), StartRun: s.toolRun}
	r.Post("/flagger/{hook}", h(ScopeJudge, fl.Serve))
	sp := &spinnaker.Handler{Releases: rels, Env: s.wireEnv()}
	r.Post("/spinnaker/v1/deployment/starting", h(ScopeJudge, sp.Starting))
	r.Post("/spinnaker/v1/deployment/evaluateHealth", h(ScopeJudge, sp.EvaluateHealth))
	r.Post("/spinnaker/v1/deployment/completed", h(ScopeJudge, sp.Completed))
	r.Post("/spinnaker/v1/releases/{id}/cancel", h(ScopeJudge, sp.CancelRuns))
	ka := &kayentaapi.Handler{Store: s.store, Source: s.kayentaSource, Env: s.wireEnv(), MetricStores: s.metricStores}
	r.Get("/kayenta/credentials", h(ScopeRead, ka.Credentials))
	r.Get("/kayenta/judges", h(ScopeRead, ka.Judges))
	r.Get("/kayenta/canaryConfig", h(ScopeRead, ka.ListConfigs))
	r.Get("/kayenta/canaryConfig/{canaryId}", h(ScopeRead, ka.GetConfig))
	r.Post("/kayenta/canary/{canaryId}", h(ScopeJudge, ka.Execute))
	r.Get("/kayenta/canary/{canaryId}", h(ScopeRead, ka.Status))
	r.Put("/kayenta/pipelines/{canaryId}/cancel", h(ScopeJudge, ka.Cancel))
	r.Get("/kayenta/metricSetPairList/{canaryId}", h(ScopeRead, ka.MetricSetPairList))
	r.Post("/kayenta/standalone_canary_analysis", h(ScopeJudge, ka.Standalone))
	r.Post("/kayenta/standalone_canary_analysis/{canaryId}", h(ScopeJudge, ka.Standalone))
	r.Get("/kayenta/standalone_canary_analysis/{canaryId}", h(ScopeRead, ka.Standalone))
	r.Put("/kayenta/standalone_canary_analysis/{canaryId}/cancel", h(ScopeJudge, ka.Standalone))
}

// metricStores lists the metric sources for Kayenta's /credentials: the
// sources file's, then the stored ones it does not shadow.
func (s *Server) metricStores(ctx context.Context) ([]kayentaapi.MetricStore, error) {
	recs, err := s.store.ListSources(ctx)
	if err != nil {
		return nil, err
	}
	var out []kayentaapi.MetricStore
	for _, rec := range s.staticList() {
		out = append(out, kayentaapi.MetricStore{Name: rec.Name, Type: rec.Type})
	}
	for _, rec := range recs {
		if _, shadowed := s.staticSources[rec.Name]; !shadowed {
			out = append(out, kayentaapi.MetricStore{Name: rec.Name, Type: rec.Type})
		}
	}
	return out, nil
}

// integrationPrefixes are the tools whose callers cannot send headers.
var integrationPrefixes = []string{"/flagger/", "/kayenta/", "/spinnaker/"}

// pathToken lets a caller that cannot send an Authorization header (Argo
// Rollouts' kayenta provider, Flagger's webhooks, orca's deployment
// monitor client) put its token in the URL: /kayenta/token/SECRET/canary/...
// is /kayenta/canary/... with "Authorization: Bearer SECRET". The path is
// rewritten before anything logs it, so the secret appears in no access
// log or metric.
func pathToken(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path, secret, ok := StripPathToken(r.URL.Path)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path, r2.URL.RawPath = path, ""
		if secret != "" && r.Header.Get("Authorization") == "" {
			r2.Header.Set("Authorization", "Bearer "+secret)
		}
		next.ServeHTTP(w, r2)
	})
}

// StripPathToken splits a token out of an integration path
// ("/flagger/token/SECRET/rollout" → "/flagger/rollout", "SECRET"); ok is
// false for any other path.
func StripPathToken(p string) (path, secret string, ok bool) {
	for _, prefix := range integrationPrefixes {
		rest, found := strings.CutPrefix(p, prefix+"token/")
		if !found {
			continue
		}
		secret, tail, _ := strings.Cut(rest, "/")
		return prefix + tail, secret, true
	}
	return p, "", false
}

// wireEnv lends the integration packages the server's machinery.
func (s *Server) wireEnv() wire.Env {
	return wire.Env{Decode: decodeTolerant, Actor: principal, Allow: allowService, Now: s.now, AbsURL: absURL}
}

// decodeTolerant reads the body and decodes it, ignoring fields it does
// not know: the deploy tools' protocols may grow.
func decodeTolerant(r *http.Request, v any) error {
	body, err := readBody(r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v, false)
}

// absURL makes path absolute on the host the request came to, so that a
// Location header works for clients that do not resolve relative ones
// (Spinnaker's webhook stage polls the Location it is given verbatim).
// The scheme is https when the request came over TLS or a proxy says so
// (X-Forwarded-Proto), else http.
func absURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https") {
		scheme = "https"
	}
	return (&url.URL{Scheme: scheme, Host: r.Host, Path: path}).String()
}

// toolRun starts the scheduled run a deploy tool's protocol asks for; a
// release that already has a running run keeps it (the tool repeats
// itself). It returns the run's id ("" when one was running already).
func (s *Server) toolRun(r *http.Request, releaseID string, spec deploytool.RunSpec) (string, error) {
	req := RunRequest{Source: spec.Source, Scope: RunScope{Canary: spec.Canary, Baseline: spec.Baseline}}
	if spec.Interval != "" {
		req.Interval = &spec.Interval
	}
	if spec.Lifetime != "" {
		req.Lifetime = &spec.Lifetime
	}
	run, err := s.startRun(r, releaseID, req)
	var he *httpError
	if errors.As(err, &he) && he.slug == "active-run" {
		return "", nil
	}
	return run.ID, err
}
