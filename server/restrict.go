package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
)

// allowedServices is the caller's service restriction: nil means every
// service (auth off, the bootstrap token, or a token without one).
func allowedServices(r *http.Request) []string {
	if t := callerToken(r.Context()); t != nil && len(t.Services) > 0 {
		return t.Services
	}
	return nil
}

func forbidden(detail string) error {
	return errStatus(http.StatusForbidden, "forbidden", "Forbidden", detail)
}

// visibleFreezes keeps the freezes a caller may read: all of them, or for
// a token limited to services the global one and those of its services.
func visibleFreezes(r *http.Request, fs []judge.Freeze) []judge.Freeze {
	svcs := allowedServices(r)
	out := make([]judge.Freeze, 0, len(fs))
	for _, f := range fs {
		name, isService := strings.CutPrefix(f.Scope, "service:")
		if svcs == nil || !isService || slices.Contains(svcs, name) {
			out = append(out, f)
		}
	}
	return out
}

// allowService refuses a service outside the caller's restriction. The
// refusal does not name the service: it may be one the caller did not name
// (the service of a release, run or message it asked for).
func allowService(r *http.Request, service string) error {
	if svcs := allowedServices(r); svcs != nil && !slices.Contains(svcs, service) {
		return forbidden("this token is limited to the services " + strings.Join(svcs, ", "))
	}
	return nil
}

// restrict enforces a token's service restriction on every route that
// names a service, directly ({service}, {scope} = service:NAME) or
// through a release (/v1/releases/{id}/...). A restricted token manages
// no tokens and sets no global freeze. Routes that name a service in their
// body or query, or through another object (a run, an outbox message, a
// Kayenta execution), check it themselves, and lists keep only the
// token's services (see allowedServices).
func (s *Server) restrict(r *http.Request) error {
	svcs := allowedServices(r)
	if svcs == nil {
		return nil
	}
	pattern := ""
	if rc := chi.RouteContext(r.Context()); rc != nil {
		pattern = rc.RoutePattern()
	}
	if strings.HasPrefix(pattern, "/v1/tokens") {
		return forbidden("a token limited to services cannot manage tokens")
	}
	if svc := chi.URLParam(r, "service"); svc != "" {
		return allowService(r, svc)
	}
	if sc := chi.URLParam(r, "scope"); sc != "" {
		name, ok := strings.CutPrefix(sc, "service:")
		if !ok {
			return forbidden("a token limited to services cannot set or lift a " + sc + " freeze")
		}
		return allowService(r, name)
	}
	if id := chi.URLParam(r, "id"); id != "" && strings.Contains(pattern, "/v1/releases/{id}") { // the API's, and the Spinnaker stage's cancelEndpoint
		rel, err := s.store.GetRelease(r.Context(), id)
		if err != nil {
			return err
		}
		return allowService(r, rel.Service)
	}
	return nil
}
