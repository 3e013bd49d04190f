package canaryjudgetest

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/server"
)

var contract = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		return nil, err
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, err
	}
	doc.Servers = nil // any host: test servers listen on random ports
	return gorillamux.NewRouter(doc)
})

// checkContract holds one exchange against openapi.yaml: the response
// always, and the request too when the server accepted it (a request the
// server takes must be one the contract allows). A route the contract
// lacks is an error unless the server said 404 or 405.
func checkContract(req *http.Request, body []byte, resp Response) []string {
	router, err := contract()
	if err != nil {
		return []string{fmt.Sprintf("canaryjudgetest: openapi.yaml: %v", err)}
	}
	var bad []string
	if path, _, ok := server.StripPathToken(req.URL.Path); ok {
		req = req.Clone(req.Context())
		req.URL.Path, req.URL.RawPath = path, "" // as the server reads it
	}
	route, params, err := router.FindRoute(req)
	if err != nil {
		if resp.Status != http.StatusNotFound && resp.Status != http.StatusMethodNotAllowed {
			bad = append(bad, fmt.Sprintf("canaryjudgetest: %s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, resp.Status, err))
		}
		return bad
	}
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, IncludeResponseStatus: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if resp.Status < 400 {
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			bad = append(bad, fmt.Sprintf("canaryjudgetest: %s %s was accepted (%d) but openapi.yaml refuses the request: %v", req.Method, req.URL.Path, resp.Status, err))
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.Status, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(resp.Body)), Options: opts}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		bad = append(bad, fmt.Sprintf("canaryjudgetest: %s %s → %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.Status, err, resp.Body))
	}
	return bad
}

// violations collects what the in-process server found; Do reports them
// on its test, and NewServer's cleanup reports any left.
type violations struct {
	mu   sync.Mutex
	list []string
}

func (v *violations) add(msgs []string) {
	v.mu.Lock()
	v.list = append(v.list, msgs...)
	v.mu.Unlock()
}

func (v *violations) take() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	out := v.list
	v.list = nil
	return out
}

// contractChecked checks every exchange the handler serves, whoever the
// client (Argo's and Flagger's own code included).
func contractChecked(v *violations, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req := r.Clone(r.Context())
		r.Body = io.NopCloser(bytes.NewReader(body))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		resp := Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
		req.URL.Scheme, req.URL.Host = "http", r.Host
		v.add(checkContract(req, body, resp))
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	})
}
