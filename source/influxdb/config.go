// Package influxdb is the InfluxDB 1.x source: each metric's InfluxQL runs
// over /query for the canary's and the baseline's scope of a window, one
// point per GROUP BY time() bucket. InfluxDB 2.x and 3.x answer the same
// 1.x /query API (with a database/retention policy mapping); give their
// token as the password.
package influxdb

import (
	"encoding/json"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is an InfluxDB source's document: the shared connection settings
// (url, timeout, retries, backoff, step, tls, concurrency), the database
// (and retention policy) to query, and username/password (basic auth; the
// password is write-only).
type Config struct {
	sourcekit.HTTP
	Database        string `json:"database"`
	RetentionPolicy string `json:"retention_policy,omitempty"`
	Username        string `json:"username,omitempty"`
	Password        string `json:"password,omitempty"`
}

// Backend is the influxdb source.Backend.
type Backend struct{}

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "influxdb"); err != nil {
		return c, err
	}
	c.Defaults("")
	v := &judge.ValidationError{}
	c.HTTP.Validate(v, "http://influxdb:8086")
	if c.Database == "" {
		v.Add("config.database", "is required: the database the queries read (the db parameter of /query)")
	}
	if c.Password != "" && c.Username == "" {
		v.Add("config.username", "is required with a password")
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
	if old.Username != c.Username {
		old.Password = ""
	}
	sourcekit.KeepSecret(v, "config.password", &c.Password, old.Password)
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Redact hides the password; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) { sourcekit.Redact(&c.Password) })
}
