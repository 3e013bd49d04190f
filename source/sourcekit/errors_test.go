package sourcekit

import (
	"net/http"
	"testing"
	"time"
)

func TestResetAfter(t *testing.T) {
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		header, value string
		want          time.Duration
	}{
		{"Retry-After", "3", 3 * time.Second},
		{"Retry-After", now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{"X-RateLimit-Reset", "7", 7 * time.Second},           // Datadog: seconds until the reset
		{"X-RateLimit-Reset", "1767607230", 30 * time.Second}, // a Unix time
		{"RateLimit-Reset", "0.5", 500 * time.Millisecond},
	} {
		h := http.Header{}
		h.Set(tc.header, tc.value)
		if got, ok := ResetAfter(h, now); !ok || got != tc.want {
			t.Errorf("%s: %s = %v, %v; want %v", tc.header, tc.value, got, ok, tc.want)
		}
	}
	if _, ok := ResetAfter(http.Header{"Retry-After": {"soon"}}, now); ok {
		t.Error(`Retry-After "soon" read as a reset`)
	}
}
