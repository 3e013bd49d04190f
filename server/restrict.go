package server

import (
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"
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

// allowService refuses a service outside the caller's restriction.
func allowService(r *http.Request, service string) error {
	if svcs := allowedServices(r); svcs != nil && !slices.Contains(svcs, service) {
		return forbidden("this token is limited to the services " + strings.Join(svcs, ", ") + "; not " + service)
	}
	return nil
}

// restrict enforces a token's service restriction on every route that
// names a service, directly ({service}, {scope} = service:NAME) or
// through a release ({id}). A restricted token manages no tokens and sets
// no global freeze. Routes that name a service in their body or query
// (POST and GET /v1/releases, GET /v1/audit) check it themselves.
func (s *Server) restrict(r *http.Request) error {
	svcs := allowedServices(r)
	if svcs == nil {
		return nil
	}
	if rc := chi.RouteContext(r.Context()); rc != nil && strings.HasPrefix(rc.RoutePattern(), "/v1/tokens") {
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
	if id := chi.URLParam(r, "id"); id != "" {
		rel, err := s.store.GetRelease(r.Context(), id)
		if err != nil {
			return err
		}
		return allowService(r, rel.Service)
	}
	return nil
}
