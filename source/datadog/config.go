// Package datadog is the Datadog source: each metric's query runs over
// the metrics query API (GET /api/v1/query, "Query timeseries points")
// for the canary's and the baseline's scope of a window, with an API key
// and an application key. The request and answer shapes are those of
// Datadog's API reference (docs.datadoghq.com/api/latest/metrics, "Query
// timeseries points") and its Go client's model (DataDog/datadog-api-client-go
// api/datadogV1/model_metrics_query_metadata.go at
// 1c6033006d72db906faef2daeecda0ccd20cb48e).
package datadog

import (
	"encoding/json"
	"regexp"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a Datadog source's document: the shared connection settings,
// the site (datadoghq.com, datadoghq.eu, us3.datadoghq.com, ...: the URL
// defaults to https://api.SITE), and the API and application keys, both
// write-only.
type Config struct {
	sourcekit.HTTP
	Site   string `json:"site,omitempty"`
	APIKey string `json:"api_key"`
	AppKey string `json:"app_key"`
}

// DefaultSite is Datadog's US1 site.
const DefaultSite = "datadoghq.com"

// Backend is the datadog source.Backend.
type Backend struct{}

var siteRE = regexp.MustCompile(`^[a-z0-9]+([.-][a-z0-9]+)*\.[a-z]{2,}$`)

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "datadog"); err != nil {
		return c, err
	}
	if c.Site == "" {
		c.Site = DefaultSite
	}
	c.Defaults("https://api." + c.Site)
	v := &judge.ValidationError{}
	if !siteRE.MatchString(c.Site) {
		v.Add("config.site", "must be a Datadog site such as datadoghq.com or datadoghq.eu")
	}
	c.HTTP.Validate(v, "https://api.datadoghq.com")
	if c.APIKey == "" {
		v.Add("config.api_key", "is required: a Datadog API key")
	}
	if c.AppKey == "" {
		v.Add("config.app_key", "is required: a Datadog application key with the timeseries_query scope")
	}
	return c, v.Err()
}

// Validate checks a config document; see source.Backend.
func (Backend) Validate(raw, prev json.RawMessage) (json.RawMessage, error) {
	return sourcekit.KeepThenParse(raw, prev, "datadog", func(v *judge.ValidationError, c, old *Config) {
		sourcekit.KeepSecret(v, "config.api_key", &c.APIKey, old.APIKey)
		sourcekit.KeepSecret(v, "config.app_key", &c.AppKey, old.AppKey)
	}, parse)
}

// Redact hides the keys; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) {
		sourcekit.Redact(&c.APIKey)
		sourcekit.Redact(&c.AppKey)
	})
}
