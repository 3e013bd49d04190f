package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// errSkipped marks a message that is deliberately not sent (and so is done).
var errSkipped = errors.New("skipped")

// maxErrBody bounds how much of a response body is read and kept in lastErr.
const maxErrBody = 1024

// deliveryError is a failed attempt with what the dispatcher needs to schedule it.
type deliveryError struct {
	Permanent  bool          // retrying cannot help: the message goes dead at once
	Status     int           // HTTP status, 0 when no response was received
	RetryAfter time.Duration // the receiver's Retry-After, a lower bound for the next try
	Msg        string
}

func (e *deliveryError) Error() string { return e.Msg }

// permanentf is a failure no retry can fix, such as a misconfigured sink.
func permanentf(format string, args ...any) error {
	return &deliveryError{Permanent: true, Msg: fmt.Sprintf(format, args...)}
}

// isPermanent reports whether err says not to retry.
func isPermanent(err error) bool {
	var de *deliveryError
	return errors.As(err, &de) && de.Permanent
}

// retryAfterOf returns the receiver's requested delay carried by err, if any.
func retryAfterOf(err error) time.Duration {
	var de *deliveryError
	if errors.As(err, &de) {
		return de.RetryAfter
	}
	return 0
}

// postJSON POSTs body to url and classifies the answer: any 2xx is success; 429 and
// 5xx are retryable; any other status is permanent. Transport errors are retryable.
func postJSON(ctx context.Context, c *http.Client, url string, body []byte, header http.Header) error {
	if url == "" {
		return permanentf("sink has no url")
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return permanentf("bad sink url: %v", err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "canaryjudge-notify")
	resp, err := c.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text quotes the URL, which may hold a credential
		}
		return &deliveryError{Msg: "post: " + redactURL(err.Error(), url)}
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return nil
	}
	de := &deliveryError{
		Status: resp.StatusCode,
		Msg:    fmt.Sprintf("HTTP %d: %s", resp.StatusCode, cleanBody(snippet)),
	}
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		de.RetryAfter = parseRetryAfter(resp.Header.Get("Retry-After"))
	default:
		de.Permanent = true
	}
	return de
}

// parseRetryAfter reads the delay-seconds form of Retry-After; the HTTP-date form
// and garbage give zero (the dispatcher's own backoff applies).
func parseRetryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// cleanBody makes a response body fit on one log line.
func cleanBody(b []byte) string {
	s := strings.TrimSpace(strings.ToValidUTF8(string(b), "?"))
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return "(empty body)"
	}
	return s
}

// redactURL keeps sink URLs out of error text: Slack and PagerDuty-style URLs
// embed their credentials in the path, and lastErr is stored and logged.
func redactURL(msg, url string) string {
	if url == "" {
		return msg
	}
	return strings.ReplaceAll(msg, url, "<sink url>")
}

// truncate shortens s to at most n runes, marking the cut with "...".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-3]) + "..."
}
