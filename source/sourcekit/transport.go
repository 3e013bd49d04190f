package sourcekit

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/canaryjudge/canaryjudge/source"
)

// Transport sends each request with a bounded attempt and retries: a 5xx,
// a timeout or a failed connection is retried Retries times, Backoff apart
// and doubling; a rate limit (429, or a 503 with a reset header, or what
// RateLimited says) waits what its reset header says (at most MaxWait,
// and never past the request's deadline) and counts as a retry. Every
// attempt's outcome is counted in the Stats of the request's context
// (WithStats). The answer's body is read within the attempt, so a server
// that stalls mid-body is a timeout that is retried too.
type Transport struct {
	Next    http.RoundTripper
	Timeout time.Duration
	Retries int
	Backoff time.Duration
	// MaxWait caps one rate-limit wait (default 1 minute); MaxBody the
	// answer's size (default 64 MiB).
	MaxWait time.Duration
	MaxBody int64
	// Auth adds credentials to each attempt (may be nil).
	Auth func(*http.Request)
	// RateLimited recognises a backend's own throttling answer (e.g.
	// CloudWatch's 400 Throttling); may be nil.
	RateLimited func(*http.Response) bool
	// Sleep waits between attempts (tests replace it); nil sleeps.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Stats counts the requests of one query by outcome.
type Stats struct {
	mu       sync.Mutex
	Requests int
	Outcomes map[string]int
	// Waited is the total time spent waiting out rate limits.
	Waited time.Duration
	// Status is the HTTP status of the last answer (0: none).
	Status int
}

func (s *Stats) add(outcome string, waited time.Duration) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.Outcomes == nil {
		s.Outcomes = map[string]int{}
	}
	s.Requests++
	s.Outcomes[outcome]++
	s.Waited += waited
}

func (s *Stats) status(resp *http.Response) {
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Status = 0
	if resp != nil {
		s.Status = resp.StatusCode
	}
}

type statsKey struct{}

// WithStats returns ctx carrying st: the Transport counts the requests
// made under it.
func WithStats(ctx context.Context, st *Stats) context.Context {
	return context.WithValue(ctx, statsKey{}, st)
}

func statsOf(ctx context.Context) *Stats {
	st, _ := ctx.Value(statsKey{}).(*Stats)
	return st
}

// AttemptError is a request that got no answer: every attempt timed out
// or could not connect.
type AttemptError struct {
	Err      error
	TimedOut bool
	Limit    time.Duration
}

func (e *AttemptError) Error() string {
	if e.TimedOut {
		return fmt.Sprintf("no answer within the source timeout (%s)", e.Limit)
	}
	return oneLine(e.Err.Error())
}

func (e *AttemptError) Unwrap() error { return e.Err }

// RoundTrip implements http.RoundTripper.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := bufferBody(req); err != nil {
		return nil, err
	}
	ctx, st := req.Context(), statsOf(req.Context())
	backoff := t.Backoff
	for attempt := 0; ; attempt++ {
		resp, body, err, timedOut := t.attempt(ctx, req)
		outcome, wait := t.classify(resp, err, timedOut, ctx)
		st.status(resp)
		last := attempt >= t.Retries || ctx.Err() != nil || !retryable(outcome)
		if outcome == source.OutcomeRateLimited && !last {
			if wait <= 0 {
				wait = backoff
			}
			if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
				last = true // the wait would outlast the window's fetch
			}
		} else {
			wait = backoff
		}
		if last {
			st.add(outcome, 0)
			return finish(req, resp, body, err, timedOut, t.Timeout)
		}
		waited := time.Duration(0)
		if outcome == source.OutcomeRateLimited {
			waited = wait
		}
		st.add(outcome, waited)
		if serr := t.sleep(ctx, wait); serr != nil {
			return finish(req, resp, body, err, timedOut, t.Timeout)
		}
		if outcome != source.OutcomeRateLimited {
			backoff *= 2
		}
	}
}

// attempt sends one attempt and reads its whole answer within Timeout.
func (t *Transport) attempt(ctx context.Context, req *http.Request) (*http.Response, []byte, error, bool) {
	actx, cancel := context.WithTimeout(ctx, t.Timeout)
	defer cancel()
	r := req.Clone(actx)
	if req.GetBody != nil {
		r.Body, _ = req.GetBody()
	}
	if t.Auth != nil {
		t.Auth(r)
	}
	resp, err := t.Next.RoundTrip(r)
	var body []byte
	if err == nil {
		limit := t.MaxBody
		if limit <= 0 {
			limit = 64 << 20
		}
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
		resp.Body.Close()
		if err == nil && int64(len(body)) > limit {
			err = fmt.Errorf("the answer is larger than %d bytes", limit)
		}
	}
	timedOut := actx.Err() != nil && ctx.Err() == nil
	if err != nil {
		return nil, nil, err, timedOut
	}
	return resp, body, nil, false
}

// classify names an attempt's outcome and, for a rate limit, how long its
// headers say to wait.
func (t *Transport) classify(resp *http.Response, err error, timedOut bool, ctx context.Context) (string, time.Duration) {
	switch {
	case err != nil && timedOut:
		return source.OutcomeTimeout, 0
	case err != nil && ctx.Err() != nil:
		return source.OutcomeCanceled, 0
	case err != nil:
		return source.OutcomeUnreachable, 0
	}
	reset, hasReset := ResetAfter(resp.Header, time.Now())
	if hasReset && t.MaxWait > 0 {
		reset = min(reset, t.MaxWait)
	} else if hasReset {
		reset = min(reset, time.Minute)
	}
	switch c := resp.StatusCode; {
	case c == http.StatusTooManyRequests, c == http.StatusServiceUnavailable && hasReset,
		t.RateLimited != nil && t.RateLimited(resp):
		return source.OutcomeRateLimited, reset
	case c >= 200 && c < 300:
		return source.OutcomeOK, 0
	case c == http.StatusUnauthorized || c == http.StatusForbidden:
		return source.OutcomeAuthFailed, 0
	case c >= 500:
		return source.OutcomeServerError, 0
	}
	return source.OutcomeClientError, 0
}

func retryable(outcome string) bool {
	switch outcome {
	case source.OutcomeRateLimited, source.OutcomeServerError, source.OutcomeTimeout, source.OutcomeUnreachable:
		return true
	}
	return false
}

// finish returns the last attempt: its answer (with the body read back),
// or an *AttemptError.
func finish(req *http.Request, resp *http.Response, body []byte, err error, timedOut bool, limit time.Duration) (*http.Response, error) {
	if err != nil {
		if req.Context().Err() != nil {
			return nil, req.Context().Err()
		}
		return nil, &AttemptError{Err: err, TimedOut: timedOut, Limit: limit}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

// bufferBody makes a request's body re-readable for retries.
func bufferBody(req *http.Request) error {
	if req.Body == nil || req.Body == http.NoBody || req.GetBody != nil {
		return nil
	}
	b, err := io.ReadAll(io.LimitReader(req.Body, 16<<20))
	req.Body.Close()
	if err != nil {
		return err
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
	req.Body, _ = req.GetBody()
	return nil
}

func (t *Transport) sleep(ctx context.Context, d time.Duration) error {
	if t.Sleep != nil {
		return t.Sleep(ctx, d)
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-tm.C:
		return nil
	}
}
