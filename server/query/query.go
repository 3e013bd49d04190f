// Package query checks and reads the query strings of the API (/v1) and
// the web UI (/ui/) the same way: what makes a query string bad, and the
// keyset cursor of the lists ordered newest first, so that a page of the UI
// continues exactly as the same list of the API does.
package query

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Limits of a query string.
const (
	MaxNameBytes  = 256  // a parameter's name
	MaxValueBytes = 1024 // a parameter's value (a cursor, a filter)
)

// Check refuses a query string that does not parse (a bad percent escape
// such as %%%, a raw ';') and parameters that are too long, not UTF-8 or
// hold a NUL byte, naming the parameter (or "query" when its name is the
// problem). Every list answers the same whatever the store behind it
// (PostgreSQL refuses a NUL the memory store would compare).
func Check(rawQuery string) error {
	v := &judge.ValidationError{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		rawKey, rawVal, _ := strings.Cut(part, "=")
		key, kerr := url.QueryUnescape(rawKey)
		val, verr := url.QueryUnescape(rawVal)
		if kerr != nil || key == "" || !utf8.ValidString(key) || strings.ContainsAny(key, "\x00;") || len(key) > MaxNameBytes {
			v.Add("query", "holds a parameter name that is not a valid percent-encoded UTF-8 name: "+strconv.Quote(clip(rawKey)))
			continue
		}
		switch {
		case verr != nil:
			v.Add(key, "is not validly percent-encoded")
		case strings.Contains(rawVal, ";"):
			v.Add(key, "holds a raw ';' (send it as %3B)")
		case len(val) > MaxValueBytes:
			v.Add(key, fmt.Sprintf("must be at most %d bytes", MaxValueBytes))
		case !utf8.ValidString(val) || strings.IndexByte(val, 0) >= 0:
			v.Add(key, "must be valid UTF-8 without NUL bytes")
		}
	}
	return v.Err()
}

// clip shortens what an error message quotes of the caller's input.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

// Limit reads ?limit=: from 1 to max, def when absent; anything else is
// reported on v.
func Limit(q url.Values, v *judge.ValidationError, def, max int) int {
	raw := q.Get("limit")
	if raw == "" {
		return def
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < 1 || n > max {
		v.Add("limit", fmt.Sprintf("must be an integer from 1 to %d", max))
		return def
	}
	return n
}

// Encode makes a cursor of s (opaque to callers: unpadded base64url).
func Encode(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

// Decode reads ?cursor=; ok is false when there is none or it is not one
// Encode made.
func Decode(q url.Values) (string, bool) {
	raw := q.Get("cursor")
	if raw == "" {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	return string(b), err == nil
}

// TimeCursor is the cursor of a list ordered by creation time then id,
// newest first: the last row's time and id.
func TimeCursor(at time.Time, id string) string {
	return Encode(fmt.Sprintf("%d:%s", at.UnixNano(), id))
}

// AfterTime reads a TimeCursor: the keyset to continue after, or nil when
// there is none; a cursor that TimeCursor did not make is reported on v.
func AfterTime(q url.Values, v *judge.ValidationError) (*time.Time, string) {
	c, ok := Decode(q)
	if !ok && q.Get("cursor") == "" {
		return nil, ""
	}
	ns, id, found := strings.Cut(c, ":")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || !found || err != nil || id == "" {
		v.Add("cursor", "is not a cursor returned by this endpoint")
		return nil, ""
	}
	at := time.Unix(0, n).UTC()
	return &at, id
}
