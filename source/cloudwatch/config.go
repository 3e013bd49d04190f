// Package cloudwatch is the Amazon CloudWatch source: each metric's query
// runs through GetMetricData (the official aws-sdk-go-v2 client: its
// SigV4 signing, its protocol and its paginator) for the canary's and the
// baseline's scope of a window. A query is either a Metrics Insights
// statement (SELECT ... FROM SCHEMA(...) WHERE {{scope}} ...; GROUP BY a
// dimension for per-instance series) or a JSON document of metric data
// queries with metric math, whose metric stats get the scope as
// dimensions (structured, never spliced).
package cloudwatch

import (
	"encoding/json"
	"regexp"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Config is a CloudWatch source's document: the shared connection
// settings (url defaults to the region's monitoring endpoint), the region
// and static credentials (the secret key and session token write-only).
type Config struct {
	sourcekit.HTTP
	Region          string `json:"region"`
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	SessionToken    string `json:"session_token,omitempty"`
}

// Backend is the cloudwatch source.Backend.
type Backend struct{}

var regionRE = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-\d$`)

func parse(raw json.RawMessage) (Config, error) {
	var c Config
	if err := sourcekit.Decode(raw, &c, "cloudwatch"); err != nil {
		return c, err
	}
	c.Defaults("https://monitoring." + c.Region + ".amazonaws.com")
	v := &judge.ValidationError{}
	if !regionRE.MatchString(c.Region) {
		v.Add("config.region", "is required: an AWS region such as eu-west-1")
	}
	c.HTTP.Validate(v, "https://monitoring.eu-west-1.amazonaws.com")
	if c.Step.Duration%60e9 != 0 && c.Step.Seconds() != 1 && c.Step.Seconds() != 5 && c.Step.Seconds() != 10 && c.Step.Seconds() != 30 {
		v.Add("config.step", "must be 1s, 5s, 10s, 30s or a multiple of 60s (CloudWatch's periods)")
	}
	if c.AccessKeyID == "" {
		v.Add("config.access_key_id", "is required")
	}
	if c.SecretAccessKey == "" {
		v.Add("config.secret_access_key", "is required")
	}
	return c, v.Err()
}

// Validate checks a config document; see source.Backend.
func (Backend) Validate(raw, prev json.RawMessage) (json.RawMessage, error) {
	return sourcekit.KeepThenParse(raw, prev, "cloudwatch", func(v *judge.ValidationError, c, old *Config) {
		if old.AccessKeyID != c.AccessKeyID {
			*old = Config{} // a stored secret belongs to its key id
		}
		sourcekit.KeepSecret(v, "config.secret_access_key", &c.SecretAccessKey, old.SecretAccessKey)
		if c.SessionToken == sourcekit.SecretSet {
			sourcekit.KeepSecret(v, "config.session_token", &c.SessionToken, old.SessionToken)
		}
	}, parse)
}

// Redact hides the secret key and the session token; see source.Backend.
func (Backend) Redact(raw json.RawMessage) json.RawMessage {
	return sourcekit.RedactDoc(raw, func(c *Config) {
		sourcekit.Redact(&c.SecretAccessKey)
		sourcekit.Redact(&c.SessionToken)
	})
}
