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
	BasicAuth   *BasicAuth `json:"basic_auth,omitempty"`
	BearerToken string     `json:"bearer_token,omitempty"`
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

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
	if c.BasicAuth != nil && c.BasicAuth.Username == "" {
		v.Add("config.basic_auth.username", "is required with basic_auth")
	}
	if c.BasicAuth != nil && c.BearerToken != "" {
		v.Add("config.bearer_token", "use either basic_auth or bearer_token, not both")
	}
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
	var old Config
	if prev != nil {
		_ = json.Unmarshal(prev, &old)
	}
	v := &judge.ValidationError{}
	sourcekit.KeepSecret(v, "config.bearer_token", &c.BearerToken, old.BearerToken)
	if c.BasicAuth != nil {
		oldPw := ""
		if old.BasicAuth != nil && old.BasicAuth.Username == c.BasicAuth.Username {
			oldPw = old.BasicAuth.Password
		}
		sourcekit.KeepSecret(v, "config.basic_auth.password", &c.BasicAuth.Password, oldPw)
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Redact hides credentials; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	var c Config
	if err := json.Unmarshal(raw, &c); err != nil {
		return json.RawMessage(`{}`)
	}
	sourcekit.Redact(&c.BearerToken)
	if c.BasicAuth != nil {
		sourcekit.Redact(&c.BasicAuth.Password)
	}
	b, _ := json.Marshal(c)
	return b
}

// Backend is the prometheus source.Backend.
type Backend struct{}
