package server_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/canaryjudge/canaryjudge"
)

var (
	contractOnce   sync.Once
	contractRouter routers.Router
	contractErr    error
)

func contract(t *testing.T) routers.Router {
	t.Helper()
	contractOnce.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromData(canaryjudge.OpenAPI)
		if err != nil {
			contractErr = err
			return
		}
		if err := doc.Validate(context.Background()); err != nil {
			contractErr = err
			return
		}
		doc.Servers = nil // match any host: tests run on random ports
		contractRouter, contractErr = gorillamux.NewRouter(doc)
	})
	if contractErr != nil {
		t.Fatalf("openapi.yaml: %v", contractErr)
	}
	return contractRouter
}

// apiResponse is a response read whole, already checked against the contract.
type apiResponse struct {
	*http.Response
	Body []byte
}

// call sends a real HTTP request to srv and validates the response against
// openapi.yaml (routes the contract does not know must not exist either).
func call(t *testing.T, srv *httptest.Server, method, path string, body any, hdr ...string) apiResponse {
	t.Helper()
	var rd io.Reader
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
		rd = strings.NewReader(b)
	case []byte:
		raw = b
		rd = bytes.NewReader(b)
	default:
		t.Fatalf("call: unsupported body %T", body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	validateExchange(t, req, raw, resp, data)
	return apiResponse{Response: resp, Body: data}
}

// validateResponse checks a response against the contract.
func validateResponse(t *testing.T, req *http.Request, resp *http.Response, body []byte) {
	t.Helper()
	validateExchange(t, req, nil, resp, body)
}

// validateExchange checks the response against the contract, and the
// request too when the server accepted it (status < 400): a request the
// server takes must be one the contract allows, so additionalProperties
// false and every enum hold for real requests.
func validateExchange(t *testing.T, req *http.Request, reqBody []byte, resp *http.Response, body []byte) {
	t.Helper()
	u, _ := url.Parse(req.URL.String())
	vreq := &http.Request{Method: req.Method, URL: u, Header: req.Header, Host: u.Host}
	route, params, err := contract(t).FindRoute(vreq)
	if resp.StatusCode >= 400 && !notAProblem(route, resp.StatusCode) {
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s → %d with Content-Type %q, want application/problem+json", req.Method, req.URL.Path, resp.StatusCode, ct)
		}
	}
	if err != nil {
		if resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusMethodNotAllowed {
			return // the contract agrees this route does not exist
		}
		t.Errorf("%s %s answered %d but is not in openapi.yaml: %v", req.Method, req.URL.Path, resp.StatusCode, err)
		return
	}
	in := &openapi3filter.RequestValidationInput{Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if reqBody != nil && resp.StatusCode < 400 && req.Method != http.MethodGet && req.Method != http.MethodDelete {
		full := *in
		full.Options = &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}
		vr := vreq.Clone(context.Background())
		vr.Body = io.NopCloser(bytes.NewReader(reqBody))
		full.Request = vr
		if err := openapi3filter.ValidateRequest(context.Background(), &full); err != nil {
			t.Errorf("%s %s was accepted (%d) but openapi.yaml refuses the request: %v\nbody: %.500s", req.Method, req.URL.Path, resp.StatusCode, err, reqBody)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode, Header: resp.Header,
		Body: io.NopCloser(bytes.NewReader(body)), Options: &openapi3filter.Options{IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

// notAProblem reports whether the contract marks this answer of the route
// x-not-a-problem (a deploy tool's own "no", such as Flagger's 412).
func notAProblem(route *routers.Route, status int) bool {
	if route == nil || route.Operation == nil {
		return false
	}
	r := route.Operation.Responses.Status(status)
	if r == nil || r.Value == nil {
		return false
	}
	v, _ := r.Value.Extensions["x-not-a-problem"].(bool)
	return v
}
