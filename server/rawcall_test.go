package server_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// rawResponse is an answer read whole, unchecked (call checks answers
// against the contract; the matrix and the probes judge them themselves).
type rawResponse struct {
	StatusCode int
	Header     http.Header
	Body       []byte
}

// rawCall sends body (as application/json unless hdr sets a Content-Type)
// and reads the answer; hdr are name, value pairs.
func rawCall(t testing.TB, srv *httptest.Server, method, path, body string, hdr ...string) rawResponse {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return rawResponse{StatusCode: resp.StatusCode, Header: resp.Header, Body: b}
}
