// Package sourcekit is what every metric source backend shares, so that a
// backend is only its query language and its API: the connection settings
// every HTTP backend takes (HTTP), a transport that bounds, retries and
// counts every request and waits out rate limits (Transport), and the
// window logic (Fetcher): plan each metric's queries for both sides, run
// them a few at a time, keep one series per query (or one per instance),
// align points to the window's steps, pair events with totals, count
// non-finite samples, and say what went wrong naming the backend, the
// query and the HTTP status.
package sourcekit

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// HTTP is the part of a source document every HTTP backend shares. Embed
// it in a backend's Config (its JSON fields are inlined).
type HTTP struct {
	URL string `json:"url"`
	// Timeout bounds one attempt (the answer's body included); Retries
	// more attempts follow a 5xx, a timeout, a refused connection or a
	// rate limit, Backoff apart and doubling (a rate limit's reset header
	// sets its own wait). Nil Retries is DefaultRetries.
	Timeout judge.Duration `json:"timeout"`
	Retries *int           `json:"retries,omitempty"`
	Backoff judge.Duration `json:"backoff"`
	// Step is the resolution asked of the backend: one point per step.
	Step judge.Duration `json:"step"`
	TLS  TLS            `json:"tls"`
	// Concurrency is how many queries of one window run at once.
	Concurrency int `json:"concurrency"`
}

// TLS configures HTTPS to the backend.
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

// SecretSet is what a redacted credential reads back as; sent back in a
// PUT it keeps the stored one.
const SecretSet = "(set)"

// Defaults fills unset fields; defaultURL (may be empty) is the URL when
// none is given (a SaaS backend's public endpoint).
func (c *HTTP) Defaults(defaultURL string) {
	if c.URL == "" {
		c.URL = defaultURL
	}
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
	if c.Retries == nil {
		n := DefaultRetries
		c.Retries = &n
	}
}

// Validate adds the problems of the shared fields (paths config.*); eg is
// an example URL for the message.
func (c HTTP) Validate(v *judge.ValidationError, eg string) {
	u, err := url.Parse(c.URL)
	switch {
	case c.URL == "":
		v.Add("config.url", "is required, e.g. "+eg)
	case len(c.URL) > 2048:
		v.Add("config.url", "must be at most 2048 bytes")
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "":
		v.Add("config.url", "must be an http or https URL with a host")
	case u.User != nil:
		v.Add("config.url", "must not carry credentials; use the backend's credential fields")
	}
	Between(v, "config.timeout", c.Timeout, 100*time.Millisecond, 5*time.Minute)
	Between(v, "config.backoff", c.Backoff, time.Millisecond, time.Minute)
	Between(v, "config.step", c.Step, time.Second, time.Hour)
	if c.Retries != nil && (*c.Retries < 0 || *c.Retries > 10) {
		v.Add("config.retries", "must be between 0 and 10")
	}
	if c.Concurrency < 1 || c.Concurrency > 64 {
		v.Add("config.concurrency", "must be between 1 and 64")
	}
	if c.TLS.CAPEM != "" && !x509.NewCertPool().AppendCertsFromPEM([]byte(c.TLS.CAPEM)) {
		v.Add("config.tls.ca_pem", "holds no PEM certificate")
	}
}

// Between adds a problem when d is outside [lo, hi].
func Between(v *judge.ValidationError, field string, d judge.Duration, lo, hi time.Duration) {
	if d.Duration < lo || d.Duration > hi {
		v.Add(field, fmt.Sprintf("must be between %s and %s", lo, hi))
	}
}

// RetryCount is Retries with its default.
func (c HTTP) RetryCount() int {
	if c.Retries == nil {
		return DefaultRetries
	}
	return *c.Retries
}

// Client returns an HTTP client whose transport bounds, retries and
// counts every request as c says; auth (may be nil) adds credentials to
// each attempt.
func (c HTTP) Client(auth func(*http.Request)) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	tr.TLSClientConfig = &tls.Config{ServerName: c.TLS.ServerName, InsecureSkipVerify: c.TLS.InsecureSkipVerify} //nolint:gosec // the operator's choice, off by default
	if c.TLS.CAPEM != "" {
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM([]byte(c.TLS.CAPEM))
		tr.TLSClientConfig.RootCAs = pool
	}
	return &http.Client{Transport: &Transport{Next: tr, Timeout: c.Timeout.Duration, Retries: c.RetryCount(),
		Backoff: c.Backoff.Duration, Auth: auth}}
}

// Decode reads a source document strictly (unknown fields refused) into
// cfg; kind names the backend in the message.
func Decode(raw json.RawMessage, cfg any, kind string) error {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		v := &judge.ValidationError{}
		v.Add("config", "must be a "+kind+" source document: "+err.Error())
		return v.Err()
	}
	return nil
}

// KeepSecret resolves a write-only credential: "(set)" keeps prev, and is
// a problem at field when nothing is stored.
func KeepSecret(v *judge.ValidationError, field string, cur *string, prev string) {
	if *cur != SecretSet {
		return
	}
	*cur = prev
	if prev == "" {
		v.Add(field, `is "(set)" but none is stored; send the value`)
	}
}

// Redact hides a credential.
func Redact(s *string) {
	if *s != "" {
		*s = SecretSet
	}
}
