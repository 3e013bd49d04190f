package httpjson

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// Call sends the body as JSON with the bearer token, hands back any status
// unjudged, and reads no more of the answer than asked.
func TestCall(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusTeapot)
		io.WriteString(w, r.Method+"|"+r.Header.Get("Content-Type")+"|"+r.Header.Get("Authorization")+"|"+string(b))
	}))
	defer srv.Close()
	for _, tc := range []struct {
		name, token string
		body        any
		limit       int64
		want        string
	}{
		{"json body and token", "s3cret", map[string]int{"a": 1}, 1 << 20, `POST|application/json|Bearer s3cret|{"a":1}`},
		{"no body, no token", "", nil, 1 << 20, `POST|||`},
		{"answer cut at the limit", "", nil, 4, `POST`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, data, err := Call(context.Background(), srv.Client(), http.MethodPost, srv.URL, tc.token, tc.body, tc.limit)
			if err != nil || status != http.StatusTeapot || string(data) != tc.want {
				t.Fatalf("Call = %d, %q, %v; want 418, %q", status, data, err, tc.want)
			}
		})
	}
	if _, _, err := Call(context.Background(), srv.Client(), "GET", srv.URL, "", func() {}, 1); err == nil || !strings.Contains(err.Error(), "unsupported type") {
		t.Fatalf("a body JSON cannot encode: err = %v", err)
	}
}
