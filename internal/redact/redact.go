// Package redact is how canaryjudge shows configuration that holds
// credentials to readers: one function for the URLs of notify sinks and
// of metric sources alike, and for URLs quoted in error messages.
package redact

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// Placeholders shown instead of a credential: a write-only value reads
// Set; the part of a URL that can carry one reads Redacted.
const (
	Set      = "(set)"
	Redacted = "(redacted)"
)

// URL hides the parts of raw that can hold a credential: its userinfo and
// query (and fragment), and for kind "slack" its whole path (a Slack
// incoming-webhook URL is itself the credential). A URL without a host
// reads Redacted.
func URL(kind, raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return Redacted
	}
	out := u.Scheme + "://"
	if u.User != nil {
		out += Redacted + "@"
	}
	out += u.Host
	if kind == "slack" {
		return out + "/" + Redacted
	}
	out += u.EscapedPath()
	if u.RawQuery != "" || u.ForceQuery {
		out += "?" + Redacted
	}
	return out
}

// ErrorText is err's message with the URL of any *url.Error it wraps
// (Go's HTTP client quotes the whole URL, query included) shown as URL
// shows it.
func ErrorText(err error) string {
	msg := err.Error()
	var ue *url.Error
	if errors.As(err, &ue) && ue.URL != "" {
		safe := URL("", ue.URL)
		msg = strings.ReplaceAll(msg, strconv.Quote(ue.URL), strconv.Quote(safe))
		msg = strings.ReplaceAll(msg, ue.URL, safe)
	}
	return msg
}
