package gameday

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/notify"
)

// Sink is the game day's own notification receiver: a webhook sink that
// checks every request's signature and keeps each outbox message once
// (deliveries are at least once; a redelivery is not a second page).
type Sink struct {
	secret string
	mu     sync.Mutex
	got    map[int64]notify.WebhookPayload
	bad    []string // requests it refused, and why
}

// NewSink returns a sink that accepts requests signed with a fresh secret.
func NewSink() *Sink {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return &Sink{secret: hex.EncodeToString(b[:]), got: map[int64]notify.WebhookPayload{}}
}

// Config is the policy sink that delivers here, at url.
func (s *Sink) Config(url string) judge.Sink {
	return judge.Sink{Kind: "webhook", URL: url, Secret: s.secret}
}

// ServeHTTP receives one webhook delivery.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		http.Error(w, "read body", http.StatusBadRequest)
		return
	}
	ts, _ := strconv.ParseInt(r.Header.Get(notify.HeaderTimestamp), 10, 64)
	var p notify.WebhookPayload
	switch {
	case r.Method != http.MethodPost:
		s.refuse(w, fmt.Sprintf("%s instead of POST", r.Method))
	case !notify.Verify(s.secret, r.Header.Get(notify.HeaderSignature), ts, body):
		s.refuse(w, "a request without a valid signature")
	case json.Unmarshal(body, &p) != nil || p.ID == 0 || p.ReleaseID == "":
		s.refuse(w, "a body that is not a webhook payload: "+truncate(string(body), 200))
	default:
		s.mu.Lock()
		s.got[p.ID] = p
		s.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Sink) refuse(w http.ResponseWriter, why string) {
	s.mu.Lock()
	s.bad = append(s.bad, why)
	s.mu.Unlock()
	http.Error(w, why, http.StatusBadRequest)
}

// Received returns the messages received for the releases, by outbox id.
func (s *Sink) Received(releases []string) map[int64]notify.WebhookPayload {
	want := map[string]bool{}
	for _, r := range releases {
		want[r] = true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[int64]notify.WebhookPayload{}
	for id, p := range s.got {
		if want[p.ReleaseID] {
			out[id] = p
		}
	}
	return out
}

// Refused lists the requests the sink turned away.
func (s *Sink) Refused() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

// Listen serves the sink on addr (e.g. 127.0.0.1:0) until stop is called
// and returns its URL.
func (s *Sink) Listen(addr string) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("notification sink: %w", err)
	}
	hs := &http.Server{Handler: s, ReadHeaderTimeout: 5 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.mu.Lock()
			s.bad = append(s.bad, "the sink stopped: "+err.Error())
			s.mu.Unlock()
		}
	}()
	return "http://" + ln.Addr().String() + "/", func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = hs.Shutdown(ctx)
		<-done
	}, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
