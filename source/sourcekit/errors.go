package sourcekit

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ResetAfter reads how long a rate-limited answer asks to wait: Retry-After
// (seconds or an HTTP date), or X-RateLimit-Reset / RateLimit-Reset
// (seconds until the reset, as Datadog and the IETF draft send it; a value
// above 10^9 is read as a Unix time, as GitHub sends it).
func ResetAfter(h http.Header, now time.Time) (time.Duration, bool) {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
			return time.Duration(s * float64(time.Second)), true
		}
		if at, err := http.ParseTime(v); err == nil {
			return max(0, at.Sub(now)), true
		}
	}
	for _, k := range []string{"X-RateLimit-Reset", "RateLimit-Reset", "X-Ratelimit-Reset-After"} {
		v := strings.TrimSpace(h.Get(k))
		s, err := strconv.ParseFloat(v, 64)
		if v == "" || err != nil || s < 0 {
			continue
		}
		if s > 1e9 {
			return max(0, time.Unix(int64(s), 0).Sub(now)), true
		}
		return time.Duration(s * float64(time.Second)), true
	}
	return 0, false
}

// HTTPError is an answer that was not a 2xx: its status and what its body
// said.
type HTTPError struct {
	Status int
	Detail string
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// StatusError returns an *HTTPError for a non-2xx answer (nil for a 2xx):
// detail is what the backend's error payload said, or "" to quote the
// body's start.
func StatusError(resp *http.Response, body []byte, detail string) error {
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	if detail == "" {
		detail = Truncate(oneLine(string(body)), 512)
	}
	return &HTTPError{Status: resp.StatusCode, Detail: detail}
}

// IsStatus reports whether err is an HTTPError with that status.
func IsStatus(err error, status int) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status == status
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Truncate cuts s to n bytes, marking the cut.
func Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "..."
}

// Unwrap takes an *http.Client's error apart: the transport's own error
// (an *AttemptError) without the "Get URL:" wrapping, which would repeat
// the URL (and its query) in every message.
func Unwrap(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
