// Package web is the generic JSON source, for any HTTP API that answers
// series as JSON (like Argo Rollouts' web provider, but pulling whole
// series): a metric's query is a request template, "GET /path?query" or
// "POST /path BODY", sent to the configured URL, and JSONPath-like
// selectors pick the series, their labels, their points and each
// point's time and value out of the answer.
package web

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a web source's document: the shared connection settings, the
// credentials (bearer_token, basic_auth, or headers; all write-only), and
// the selectors.
type Config struct {
	sourcekit.HTTP
	sourcekit.Credentials
	Headers map[string]string `json:"headers,omitempty"`
	// Series selects the list of series in the answer ($.data.result[*]);
	// Labels (optional) a series' labels object, Points its list of
	// points, Time and Value a point's time and value (e.g. [0] and [1],
	// or t and v).
	Series string `json:"series"`
	Labels string `json:"labels,omitempty"`
	Points string `json:"points"`
	Time   string `json:"time"`
	Value  string `json:"value"`
	// TimeUnit is how times are written: s (default), ms, or rfc3339.
	// Stamp says whether a point's time is the start (default) or the end
	// of the interval it summarises.
	TimeUnit string `json:"time_unit,omitempty"`
	Stamp    string `json:"stamp,omitempty"`
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth = sourcekit.BasicAuth

// Backend is the web source.Backend.
type Backend struct{}

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "web"); err != nil {
		return c, err
	}
	c.Defaults("")
	if c.TimeUnit == "" {
		c.TimeUnit = "s"
	}
	if c.Stamp == "" {
		c.Stamp = "start"
	}
	v := &judge.ValidationError{}
	c.HTTP.Validate(v, "https://metrics.example.com")
	for field, p := range map[string]string{"series": c.Series, "labels": c.Labels, "points": c.Points, "time": c.Time, "value": c.Value} {
		if p == "" && field != "labels" {
			v.Add("config."+field, "is required: a JSONPath-like selector, e.g. $.data.result[*], values, [0]")
		} else if _, err := ParsePath(p); err != nil {
			v.Add("config."+field, err.Error())
		}
	}
	if !slices.Contains([]string{"s", "ms", "rfc3339"}, c.TimeUnit) {
		v.Add("config.time_unit", "must be s, ms or rfc3339")
	}
	if c.Stamp != "start" && c.Stamp != "end" {
		v.Add("config.stamp", "must be start or end")
	}
	c.Credentials.CheckOne(v)
	for k := range c.Headers {
		if http.CanonicalHeaderKey(k) == "" || len(k) > 256 {
			v.Add("config.headers", "holds an invalid header name")
		}
	}
	return c, v.Err()
}

// Validate checks a config document; see source.Backend.
func (Backend) Validate(raw, prev json.RawMessage) (json.RawMessage, error) {
	c, err := parse(raw)
	if err != nil {
		return nil, err
	}
	old := sourcekit.Previous[Config](prev)
	v := &judge.ValidationError{}
	c.Credentials.Keep(v, old.Credentials)
	for _, k := range slices.Sorted(maps.Keys(c.Headers)) {
		val := c.Headers[k]
		sourcekit.KeepSecret(v, "config.headers."+k, &val, old.Headers[k])
		c.Headers[k] = val
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Redact hides every credential (header values included); see
// source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) {
		c.Credentials.Hide()
		for k, val := range c.Headers {
			sourcekit.Redact(&val)
			c.Headers[k] = val
		}
	})
}
