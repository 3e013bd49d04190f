package redact

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	for _, c := range []struct{ kind, in, want string }{
		{"", "", ""},
		{"", "http://prom:9090", "http://prom:9090"},
		{"", "https://prom.example/api/?k=S3CRET&x=1", "https://prom.example/api/?(redacted)"},
		{"", "https://u:pw@prom.example/p", "https://(redacted)@prom.example/p"},
		{"", "https://prom.example/p#frag-secret", "https://prom.example/p"},
		{"", "https://prom.example/p?", "https://prom.example/p?(redacted)"},
		{"slack", "https://hooks.slack.com/services/T/B/XYZ", "https://hooks.slack.com/(redacted)"},
		{"", "no url at all", "(redacted)"},
		{"", "/relative?k=1", "(redacted)"},
	} {
		if got := URL(c.kind, c.in); got != c.want {
			t.Errorf("URL(%q, %q) = %q, want %q", c.kind, c.in, got, c.want)
		}
	}
}

func TestErrorText(t *testing.T) {
	raw := "http://127.0.0.1:9/prom/api/v1/query_range?k=S3CRET"
	err := fmt.Errorf("fetch: %w", &url.Error{Op: "Post", URL: raw, Err: errors.New("connection refused")})
	got := ErrorText(err)
	if strings.Contains(got, "S3CRET") || !strings.Contains(got, `"http://127.0.0.1:9/prom/api/v1/query_range?(redacted)"`) ||
		!strings.Contains(got, "connection refused") {
		t.Errorf("ErrorText = %q", got)
	}
	if got := ErrorText(errors.New("plain")); got != "plain" {
		t.Errorf("ErrorText of a plain error = %q", got)
	}
}
