package sourcetest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync"
	"testing"
	"time"
)

// Fault modes of the proxy.
const (
	modePass      = ""
	modeStall     = "stall"      // never answer: the client's attempt times out
	modeLimitOnce = "limit-once" // the first request gets the backend's rate-limit answer
)

// proxy sits between a source and its backend: it checks credentials as
// the backend would (Harness.Authorized, refusing with Harness.Refuse)
// and plays the scenario's fault, recording when each request arrived.
type proxy struct {
	h      *Harness
	srv    *httptest.Server
	rp     *httputil.ReverseProxy
	mu     sync.Mutex
	mode   string
	reset  time.Duration
	used   bool
	arrive []time.Time
}

func newProxy(t *testing.T, h *Harness, target string) *proxy {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{h: h, rp: httputil.NewSingleHostReverseProxy(u)}
	// A connection of its own to the backend for every request: with the
	// shared default transport, another test closing its idle connections
	// cut a response off mid-body ("use of closed network connection",
	// seen once against the real InfluxDB), a fault no scenario asked for.
	p.rp.Transport = &http.Transport{DisableKeepAlives: true}
	p.srv = httptest.NewServer(p)
	t.Cleanup(p.srv.Close)
	return p
}

// set changes the fault mode and forgets the arrivals.
func (p *proxy) set(mode string, reset time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.mode, p.reset, p.used, p.arrive = mode, reset, false, nil
}

func (p *proxy) arrivals() []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]time.Time(nil), p.arrive...)
}

func (p *proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.arrive = append(p.arrive, time.Now())
	mode, reset := p.mode, p.reset
	limit := mode == modeLimitOnce && !p.used
	if limit {
		p.used = true
	}
	p.mu.Unlock()
	if !p.h.Authorized(r) {
		p.h.Refuse(w)
		return
	}
	switch {
	case mode == modeStall:
		// Read the body first: only then does the server notice the
		// client hanging up (a POST's body is unread otherwise).
		_, _ = io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // the client gave up: its attempt timed out
		return
	case limit:
		p.h.RateLimit(w, reset)
		return
	}
	// Forward a body read in full: Go's HTTP/1 server consumes what is
	// left of an inbound body once the answer starts, so a streamed body
	// could still be in flight to the backend when the backend's answer
	// comes back, and the outbound connection is then closed mid-answer
	// (golang/go#40747; seen as "use of closed network connection" and an
	// unexpected EOF at the source, about once in a hundred runs).
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, "proxy: reading the request body: "+err.Error(), http.StatusBadRequest)
		return
	}
	r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(body)), int64(len(body))
	p.rp.ServeHTTP(w, r)
}
