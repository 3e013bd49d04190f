// Package source is how scheduled runs pull a window's data: one small
// Source interface, and one package per backend behind it
// (source/prometheus), so that a new backend is one new package. A source
// fetches one window of one release: for every metric of the policy, the
// canary's and the baseline's data as judge.Sides, and what it asked.
package source

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Source fetches one window. An error means the window could not be
// fetched at all (the backend is down, too slow, or answered an error):
// the window is then judged as a source_error. A metric that merely has no
// data is no error: its side is left out (the judge makes it nodata) and
// the Asked entry says why.
type Source interface {
	Fetch(ctx context.Context, req Request) (Result, error)
}

// Request is one window of one release.
type Request struct {
	Metrics []judge.Metric
	// Canary and Baseline select each side's series: label name -> value.
	Canary, Baseline Scope
	Start, End       time.Time
}

// Scope is a set of exact label matchers.
type Scope map[string]string

// Result is a fetched window.
type Result struct {
	Canary, Baseline judge.Side
	// Asked lists every query as it was sent, with what came back (Points
	// counts the points that are not missing).
	Asked []Asked
	// Requests counts the backend requests made, retries included;
	// Outcomes splits them by outcome (OutcomeOK, OutcomeRateLimited, ...).
	// A source that leaves Outcomes nil counts every request as ok.
	Requests int
	Outcomes map[string]int
	// NonFinite counts, per metric, the window's samples that were not
	// finite numbers (+Inf, -Inf, or a number beyond float64's range):
	// they stay in the series as the backend sent them (never dropped as
	// missing points), and every one is counted here and in its Asked
	// entry. Metrics without any are absent.
	NonFinite map[string]NonFinite
}

// NonFinite is how many non-finite samples each side of a metric had.
type NonFinite struct {
	Canary   int `json:"canary"`
	Baseline int `json:"baseline"`
}

// Request outcomes, the label of canaryjudge_source_requests_total.
const (
	OutcomeOK          = "ok"
	OutcomeRateLimited = "rate_limited" // 429, or 503 with a reset header (or the backend's own throttling answer)
	OutcomeServerError = "server_error" // other 5xx
	OutcomeClientError = "client_error" // other 4xx: a bad query
	OutcomeAuthFailed  = "auth_failed"  // 401, 403
	OutcomeTimeout     = "timeout"      // no answer within the source's timeout
	OutcomeUnreachable = "unreachable"  // refused, reset, DNS, TLS
	OutcomeCanceled    = "canceled"     // the window's context ended first
)

// Asked is one query as sent to the backend.
type Asked struct {
	Metric  string `json:"metric"`
	Side    string `json:"side"`           // canary | baseline
	Part    string `json:"part,omitempty"` // events | total (count metrics)
	Query   string `json:"query"`
	Series  int    `json:"series"`
	Points  int    `json:"points"`
	Problem string `json:"problem,omitempty"`
	// NonFinite counts the samples that were +Inf, -Inf or beyond
	// float64's range (kept in the series; see Result.NonFinite).
	NonFinite int `json:"non_finite,omitempty"`
}

// Backend is one kind of source (e.g. prometheus): it checks and redacts
// configuration documents and opens sources from them.
type Backend interface {
	// Validate checks a config document and returns the one to store;
	// prev (nil for a new source) supplies credentials sent back as
	// "(set)". Problems are a *judge.ValidationError naming the fields.
	Validate(config, prev json.RawMessage) (json.RawMessage, error)
	// Redact returns config with its credentials hidden, for readers.
	Redact(config json.RawMessage) json.RawMessage
	// Open returns a source for a validated config.
	Open(name string, config json.RawMessage) (Source, error)
	// CheckMetrics reports metrics whose queries this backend cannot run
	// for a scheduled run (paths "metrics[i].query").
	CheckMetrics(ms []judge.Metric) error
}

// Scope limits.
const (
	MaxScopeLabels = 20
	MaxLabelValue  = 1024
)

// ValidateScope adds the problems of one scope at path (e.g. "scope.canary").
func ValidateScope(v *judge.ValidationError, path string, s Scope) {
	switch {
	case len(s) == 0:
		v.Add(path, "is required: at least one label matcher (label name -> value), e.g. {\"app\": \"checkout\", \"track\": \"canary\"}")
	case len(s) > MaxScopeLabels:
		v.Add(path, fmt.Sprintf("must have at most %d labels (has %d)", MaxScopeLabels, len(s)))
	}
	for _, k := range slices.Sorted(maps.Keys(s)) {
		val := s[k]
		switch {
		case !judge.IsLabelName(k):
			v.Add(path, fmt.Sprintf("label name %q must match [a-zA-Z_][a-zA-Z0-9_]*", k))
		case len(val) > MaxLabelValue:
			v.Add(path+"."+k, fmt.Sprintf("must be at most %d bytes", MaxLabelValue))
		case !utf8.ValidString(val) || strings.IndexByte(val, 0) >= 0:
			v.Add(path+"."+k, "must be valid UTF-8 without NUL bytes")
		}
	}
}
