package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/store/memory"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestPanicRecovered: a panicking handler answers 500 problem+json and the
// panic is logged with the request ID.
func TestPanicRecovered(t *testing.T) {
	var logs syncBuf
	s := New(Config{}, Deps{Store: memory.New(), Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	s.router.Get("/boom", func(w http.ResponseWriter, r *http.Request) { panic("kaboom") })
	srv := httptest.NewServer(s)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL+"/boom", nil)
	req.Header.Set("X-Request-ID", "req-panic-1")
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p Problem
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" || p.Status != 500 || p.RequestID != "req-panic-1" {
		t.Fatalf("got %d %q %+v", resp.StatusCode, resp.Header.Get("Content-Type"), p)
	}
	if l := logs.String(); !strings.Contains(l, `"panic":"kaboom"`) || !strings.Contains(l, `"request_id":"req-panic-1"`) {
		t.Fatalf("panic not logged with request id: %s", l)
	}
}
