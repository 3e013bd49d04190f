package prometheus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	"github.com/prometheus/common/model"

	"github.com/canaryjudge/canaryjudge/internal/redact"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Source is an opened Prometheus source.
type Source struct {
	*sourcekit.Fetcher
	cfg Config
	api v1.API
}

var _ source.Source = (*Source)(nil)

// Open returns a source for a validated config; see source.Backend.
func (Backend) Open(name string, raw json.RawMessage) (source.Source, error) {
	return New(name, raw)
}

// New opens a Prometheus source.
func New(name string, raw json.RawMessage) (*Source, error) {
	cfg, err := parse(raw)
	if err != nil {
		return nil, err
	}
	hc := cfg.Client(cfg.auth)
	client, err := api.NewClient(api.Config{Address: cfg.URL, RoundTripper: hc.Transport})
	if err != nil {
		return nil, fmt.Errorf("prometheus source %s: %w", name, err)
	}
	s := &Source{cfg: cfg, api: v1.NewAPI(client)}
	s.Fetcher = &sourcekit.Fetcher{Name: name, Backend: "prometheus", Q: querier{s}, Step: cfg.Step.Duration, Concurrency: cfg.Concurrency}
	return s, nil
}

// auth adds the configured credentials to a request.
func (c Config) auth(r *http.Request) { c.Credentials.Apply(r) }

// querier is PromQL over query_range.
type querier struct{ s *Source }

// Render fills {{scope}} with the side's matchers and {{step}}.
func (q querier) Render(query string, sc source.Scope, w sourcekit.Window) (string, error) {
	return Render(query, sc, w.Step), nil
}

// Query runs query_range: points at start+step, ..., end, each evaluated
// looking back from its timestamp (the window's own data).
func (q querier) Query(ctx context.Context, query string, w sourcekit.Window) ([]sourcekit.Series, error) {
	r := v1.Range{Start: w.Start.Add(w.Step), End: w.End, Step: w.Step}
	val, _, _, err := q.s.api.QueryRange(ctx, query, r, v1.WithTimeout(q.s.cfg.Timeout.Duration))
	if err != nil {
		return nil, describe(err)
	}
	m, ok := val.(model.Matrix)
	if !ok {
		return nil, fmt.Errorf("prometheus answered a %s, not a range vector (matrix)", val.Type())
	}
	out := make([]sourcekit.Series, len(m))
	for i, ss := range m {
		labels := make(map[string]string, len(ss.Metric))
		for k, v := range ss.Metric {
			labels[string(k)] = string(v)
		}
		ps := make([]sourcekit.Point, len(ss.Values))
		for k, p := range ss.Values {
			ps[k] = sourcekit.Point{T: p.Timestamp.Time(), V: float64(p.Value)}
		}
		out[i] = sourcekit.Series{Labels: labels, Points: ps}
	}
	return out, nil
}

// describe makes err say what Prometheus answered, in one line: its error
// type, message and payload.
func describe(err error) error {
	var ae *v1.Error
	if errors.As(err, &ae) {
		msg := "prometheus: " + string(ae.Type) + ": " + ae.Msg
		if d := strings.TrimSpace(ae.Detail); d != "" && !strings.Contains(msg, d) {
			msg += ": " + sourcekit.Truncate(strings.Join(strings.Fields(d), " "), 2048)
		}
		return errors.New(msg)
	}
	var te *sourcekit.AttemptError
	if errors.As(err, &te) {
		return te
	}
	return errors.New(sourcekit.Truncate(strings.Join(strings.Fields(redact.ErrorText(err)), " "), 2048)) // the URL's query may hold a credential
}
