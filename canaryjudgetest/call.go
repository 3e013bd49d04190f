package canaryjudgetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/httpjson"
)

// Response is one answer of the server.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Decode unmarshals the body into v, failing t when it is not JSON.
func (r Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("canaryjudgetest: response %d is not the JSON expected: %v: %s", r.Status, err, r.Body)
	}
}

// Do sends one request (body: nil, a string or []byte sent as is, or any
// other value encoded as JSON) with the admin token when the server has
// one, and returns the answer. Transport errors fail t.
func (s *Server) Do(t testing.TB, method, path string, body any) Response {
	t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			t.Fatalf("canaryjudgetest: encode the body of %s %s: %v", method, path, err)
		}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(raw)
	}
	req, err := httpjson.NewRequest(t.Context(), method, s.URL+path, s.token, rd)
	if err != nil {
		t.Fatalf("canaryjudgetest: %s %s: %v", method, path, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("canaryjudgetest: %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("canaryjudgetest: read the answer to %s %s: %v", method, path, err)
	}
	out := Response{Status: resp.StatusCode, Header: resp.Header, Body: got}
	var bad []string
	switch {
	case s.violations != nil: // in process, the server checks every exchange itself
		bad = s.violations.take()
	case !s.noContract:
		bad = checkContract(req, raw, out)
	}
	for _, msg := range bad {
		t.Error(msg)
	}
	return out
}

// MustDo is Do that also fails t unless the status is want.
func (s *Server) MustDo(t testing.TB, want int, method, path string, body any) Response {
	t.Helper()
	r := s.Do(t, method, path, body)
	if r.Status != want {
		t.Fatalf("canaryjudgetest: %s %s = %d, want %d: %s", method, path, r.Status, want, r.Body)
	}
	return r
}

// Remote is a client for a canaryjudge running elsewhere (the container
// of canaryjudgetest/tc, a staging server): Do and MustDo send token, when
// not empty, as the bearer token. It has no Handler.
func Remote(url, token string) *Server { return &Server{URL: url, token: token} }
