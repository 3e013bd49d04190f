// Package prometheus is the Prometheus source (and every server that
// speaks its HTTP API: VictoriaMetrics, Thanos, Mimir): each metric's
// PromQL runs over query_range (client_golang's api/prometheus/v1) for the
// canary's and the baseline's scope of a window.
package prometheus

import (
	"encoding/json"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a Prometheus source's document (PUT /v1/sources/{name} with
// type prometheus, or the server's sources file): the shared connection
// settings (url, timeout, retries, backoff, step, tls, concurrency) and
// basic_auth or bearer_token. The timeout is also sent to Prometheus as
// its query timeout.
type Config struct {
	sourcekit.HTTP
	sourcekit.Credentials
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth = sourcekit.BasicAuth

// Defaults (those of sourcekit).
const (
	DefaultTimeout     = sourcekit.DefaultTimeout
	DefaultRetries     = sourcekit.DefaultRetries
	DefaultBackoff     = sourcekit.DefaultBackoff
	DefaultStep        = sourcekit.DefaultStep
	DefaultConcurrency = sourcekit.DefaultConcurrency
)

func (c Config) validate() error {
	v := &judge.ValidationError{}
	c.HTTP.Validate(v, "http://prometheus:9090")
	c.Credentials.Check(v)
	return v.Err()
}

// parse decodes a document strictly and applies defaults.
func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "prometheus"); err != nil {
		return c, err
	}
	c.Defaults("")
	return c, c.validate()
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
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Redact hides credentials; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) { c.Credentials.Hide() })
}

// Backend is the prometheus source.Backend.
type Backend struct{}
