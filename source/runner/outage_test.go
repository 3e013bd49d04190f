package runner_test

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/source/runner"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// TestSourceOutages: Prometheus down, too slow, or answering errors. Every
// window is a source_error (wait) and the third one escalates
// (consecutive_nodata: 3); nothing is ever promoted.
func TestSourceOutages(t *testing.T) {
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body) // so that the server notices the client giving up
		select {
		case <-r.Context().Done():
		case <-time.After(10 * time.Second):
		}
	}))
	t.Cleanup(slow.Close)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprint(w, `{"status":"error","errorType":"unavailable","error":"TSDB is overloaded (test)"}`)
	}))
	t.Cleanup(failing.Close)
	refusing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		fmt.Fprint(w, `{"status":"error","errorType":"execution","error":"query processing would load too many samples into memory"}`)
	}))
	t.Cleanup(refusing.Close)
	cases := []struct {
		name, url, want string
		requests        float64 // per query: retries 1 means 2 attempts for retryable errors
	}{
		{"down", "http://" + closedAddr(t), "connection refused", 2},
		{"slow", slow.URL, "no answer within the source timeout (1s)", 2},
		{"error_5xx", failing.URL, "TSDB is overloaded (test)", 2},
		{"error_execution", refusing.URL, "too many samples", 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, memory.New())
			rel := s.release(t, "checkout", tc.url)
			s.mustDo(t, "PUT", "/v1/sources/prom", map[string]any{"type": "prometheus",
				"config": map[string]any{"url": tc.url, "timeout": "1s", "retries": 1, "backoff": "10ms", "concurrency": 12}}, 200, nil)
			var v runView
			s.mustDo(t, "POST", "/v1/releases/"+rel+"/runs", map[string]any{"source": "prom", "interval": "5m", "lifetime": "40m",
				"start": time.Now().Add(-2 * time.Hour).Format(time.RFC3339),
				"scope": map[string]any{"canary": map[string]string{"app": "checkout", "track": "canary"}, "baseline": map[string]string{"app": "checkout", "track": "baseline"}}}, 202, &v)
			s.start(t, runner.Options{})
			got := s.await(t, v.ID)
			if got.Status != "TERMINAL" || got.Decision == nil || got.Decision.Action != "escalate" || got.Windows.Done != 3 {
				t.Fatalf("%s after %d windows, decision %+v (%s); want TERMINAL / escalate at window 3", got.Status, got.Windows.Done, got.Decision, got.Reason)
			}
			var ws struct {
				Windows []struct {
					SourceError string `json:"source_error"`
					Action      string
				}
			}
			s.mustDo(t, "GET", "/v1/runs/"+v.ID+"/windows", nil, 200, &ws)
			for i, w := range ws.Windows {
				if !strings.Contains(w.SourceError, tc.want) || w.Action == "promote" {
					t.Errorf("window %d: action %s, source_error %q; want %q in it", i+1, w.Action, w.SourceError, tc.want)
				}
				if want := map[int]string{0: "wait", 1: "wait", 2: "escalate"}[i]; w.Action != want {
					t.Errorf("window %d: action %s, want %s", i+1, w.Action, want)
				}
			}
			if n := counter(t, s.reg, "canaryjudge_source_errors_total", "source", "prom"); n != 3 {
				t.Errorf("canaryjudge_source_errors_total = %g, want 3", n)
			}
			if tc.requests == 1 {
				// A refused query is never retried: one client_error per
				// query (an attempt that timed out first, on a loaded
				// machine, is counted apart as a timeout).
				if n := counter(t, s.reg, "canaryjudge_source_requests_total", "source", "prom", "outcome", "client_error"); n != 3*12 {
					t.Errorf("canaryjudge_source_requests_total{outcome=client_error} = %g, want 36 (12 queries a window, never retried)", n)
				}
			} else if n := counter(t, s.reg, "canaryjudge_source_requests_total", "source", "prom"); n != 3*12*tc.requests {
				t.Errorf("canaryjudge_source_requests_total = %g, want %g (12 queries a window, %g attempts each)", n, 3*12*tc.requests, tc.requests)
			}
		})
	}
}

// closedAddr is a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}
