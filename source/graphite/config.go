// Package graphite is the Graphite source: each metric's target runs over
// the render API (GET /render?format=json) for the canary's and the
// baseline's scope of a window, the scope written as seriesByTag tag
// expressions ('app=checkout','track=canary').
package graphite

import (
	"encoding/json"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a Graphite source's document: the shared connection settings
// and basic_auth or bearer_token (write-only), as in front of
// graphite-web or a hosted Graphite.
type Config struct {
	sourcekit.HTTP
	sourcekit.Credentials
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth = sourcekit.BasicAuth

// Backend is the graphite source.Backend.
type Backend struct{}

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "graphite"); err != nil {
		return c, err
	}
	c.Defaults("")
	v := &judge.ValidationError{}
	c.HTTP.Validate(v, "http://graphite:8080")
	if c.Step.Duration%1e9 != 0 {
		v.Add("config.step", "must be whole seconds (Graphite's resolution)")
	}
	c.Credentials.Check(v)
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
	if err := v.Err(); err != nil {
		return nil, err
	}
	return json.Marshal(c)
}

// Redact hides credentials; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) { c.Credentials.Hide() })
}
