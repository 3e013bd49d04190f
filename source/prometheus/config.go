// Package prometheus is the Prometheus source: each metric's PromQL runs
// over query_range (client_golang's api/prometheus/v1) for the canary's
// and the baseline's scope of a window.
package prometheus

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Config is a Prometheus source's document (PUT /v1/sources/{name} with
// type prometheus, or the server's sources file).
type Config struct {
	URL string `json:"url"`
	// Timeout bounds one query attempt (and is sent to Prometheus as its
	// query timeout); Retries more attempts follow a 5xx or a timeout,
	// Backoff apart, doubling.
	Timeout judge.Duration `json:"timeout"`
	Retries int            `json:"retries"`
	Backoff judge.Duration `json:"backoff"`
	// Step is the resolution of query_range: one point per step.
	Step        judge.Duration `json:"step"`
	BasicAuth   *BasicAuth     `json:"basic_auth,omitempty"`
	BearerToken string         `json:"bearer_token,omitempty"`
	TLS         TLS            `json:"tls"`
	// Concurrency is how many queries of one window run at once.
	Concurrency int `json:"concurrency"`
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// TLS configures HTTPS to Prometheus.
type TLS struct {
	CAPEM              string `json:"ca_pem,omitempty"`
	ServerName         string `json:"server_name,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify,omitempty"`
}

// Defaults.
const (
	DefaultTimeout     = 10 * time.Second
	DefaultRetries     = 2
	DefaultBackoff     = 250 * time.Millisecond
	DefaultStep        = 15 * time.Second
	DefaultConcurrency = 4
)

// secretSet is what a redacted credential reads back as; sent back in a
// PUT it keeps the stored one.
const secretSet = "(set)"

func (c *Config) defaults() {
	if c.Timeout.Duration == 0 {
		c.Timeout = judge.D(DefaultTimeout)
	}
	if c.Backoff.Duration == 0 {
		c.Backoff = judge.D(DefaultBackoff)
	}
	if c.Step.Duration == 0 {
		c.Step = judge.D(DefaultStep)
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.Retries == 0 {
		c.Retries = DefaultRetries
	}
}

func (c Config) validate() error {
	v := &judge.ValidationError{}
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		v.Add("config.url", "is required, e.g. http://prometheus:9090")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.Add("config.url", "must be an http or https URL with a host")
	case u.User != nil:
		v.Add("config.url", "must not carry credentials; use basic_auth")
	}
	between := func(field string, d judge.Duration, lo, hi time.Duration) {
		if d.Duration < lo || d.Duration > hi {
			v.Add(field, fmt.Sprintf("must be between %s and %s", lo, hi))
		}
	}
	between("config.timeout", c.Timeout, 100*time.Millisecond, 5*time.Minute)
	between("config.backoff", c.Backoff, time.Millisecond, time.Minute)
	between("config.step", c.Step, time.Second, time.Hour)
	if c.Retries < 0 || c.Retries > 10 {
		v.Add("config.retries", "must be between 0 and 10")
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		v.Add("config.concurrency", "must be between 1 and 64")
	}
	if c.BasicAuth != nil && c.BasicAuth.Username == "" {
		v.Add("config.basic_auth.username", "is required with basic_auth")
	}
	if c.BasicAuth != nil && c.BearerToken != "" {
		v.Add("config.bearer_token", "use either basic_auth or bearer_token, not both")
	}
	if c.TLS.CAPEM != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.TLS.CAPEM)) {
		v.Add("config.tls.ca_pem", "holds no PEM certificate")
	}
	return v.Err()
}

// parse decodes a document strictly and applies defaults.
func parse(raw json.RawMessage) (Config, error) {
	var c Config
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		v := &judge.ValidationError{}
		v.Add("config", "must be a prometheus source document: "+err.Error())
		return c, v.Err()
	}
	c.defaults()
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
	if c.BearerToken == secretSet {
		c.BearerToken = old.BearerToken
		if c.BearerToken == "" {
			v.Add("config.bearer_token", `is "(set)" but no token is stored; send the token`)
		}
	}
	if c.BasicAuth != nil && c.BasicAuth.Password == secretSet {
		c.BasicAuth.Password = ""
		if old.BasicAuth != nil && old.BasicAuth.Username == c.BasicAuth.Username {
			c.BasicAuth.Password = old.BasicAuth.Password
		}
		if c.BasicAuth.Password == "" {
			v.Add("config.basic_auth.password", `is "(set)" but no password is stored for this username; send the password`)
		}
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
	if c.BearerToken != "" {
		c.BearerToken = secretSet
	}
	if c.BasicAuth != nil && c.BasicAuth.Password != "" {
		c.BasicAuth.Password = secretSet
	}
	b, _ := json.Marshal(c)
	return b
}

// Backend is the prometheus source.Backend.
type Backend struct{}
