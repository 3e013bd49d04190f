// Package newrelic is the New Relic source: each metric's NRQL query
// (with TIMESERIES) runs through NerdGraph, New Relic's GraphQL API, for
// the canary's and the baseline's scope of a window, with a user API key.
// The request is the one New Relic's own Go client sends
// (newrelic/newrelic-client-go pkg/nrdb/nrdb_query.go at
// 164dad0ef95d8d827042705d3e9bc032bf4e93bb: actor.account(id).nrql(query)
// with the NRQL as a GraphQL variable, never spliced into the document),
// reading results and metadata.facets.
package newrelic

import (
	"encoding/json"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a New Relic source's document: the shared connection settings
// (url defaults to the region's NerdGraph endpoint), the region (us or
// eu), the account id, and a user API key (write-only).
type Config struct {
	sourcekit.HTTP
	Region    string `json:"region,omitempty"`
	AccountID int64  `json:"account_id"`
	APIKey    string `json:"api_key"`
}

// Endpoints of NerdGraph per region.
var endpoints = map[string]string{"us": "https://api.newrelic.com/graphql", "eu": "https://api.eu.newrelic.com/graphql"}

// Backend is the newrelic source.Backend.
type Backend struct{}

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "newrelic"); err != nil {
		return c, err
	}
	if c.Region == "" {
		c.Region = "us"
	}
	c.Defaults(endpoints[c.Region])
	v := &judge.ValidationError{}
	if endpoints[c.Region] == "" {
		v.Add("config.region", "must be us or eu")
	}
	c.HTTP.Validate(v, endpoints["us"])
	if c.AccountID <= 0 {
		v.Add("config.account_id", "is required: the New Relic account the queries read")
	}
	if c.APIKey == "" {
		v.Add("config.api_key", "is required: a New Relic user API key (NRAK-...)")
	}
	return c, v.Err()
}

// Validate checks a config document; see source.Backend.
func (Backend) Validate(raw, prev json.RawMessage) (json.RawMessage, error) {
	return sourcekit.KeepThenParse(raw, prev, "newrelic", func(v *judge.ValidationError, c, old *Config) {
		sourcekit.KeepSecret(v, "config.api_key", &c.APIKey, old.APIKey)
	}, parse)
}

// Redact hides the key; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) { sourcekit.Redact(&c.APIKey) })
}
