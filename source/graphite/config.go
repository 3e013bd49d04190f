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
	BasicAuth   *BasicAuth `json:"basic_auth,omitempty"`
	BearerToken string     `json:"bearer_token,omitempty"`
}

// BasicAuth is HTTP basic authentication; the password is write-only.
type BasicAuth struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

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
	if c.BasicAuth != nil && c.BasicAuth.Username == "" {
		v.Add("config.basic_auth.username", "is required with basic_auth")
	}
	if c.BasicAuth != nil && c.BearerToken != "" {
		v.Add("config.bearer_token", "use either basic_auth or bearer_token, not both")
	}
	return c, v.Err()
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
