package server

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/source"
)

// kayentaSources serves the Kayenta-compatible API from the metric sources
// scheduled runs use: the request's metricsAccountName names the source
// (PUT /v1/sources/{name} or the server's sources file), and each scope's
// label matchers (kayentaapi translates a scope into them) replace
// {{scope}} in the queries.
type kayentaSources struct {
	s    *Server
	mu   sync.Mutex
	open map[string]openedSource
}

type openedSource struct {
	config []byte
	src    source.Source
}

var _ kayentaapi.Source = (*kayentaSources)(nil)

// Fetch fetches both scopes over the experiment scope's interval.
func (k *kayentaSources) Fetch(ctx context.Context, req kayentaapi.FetchRequest) (canary, baseline judge.Side, err error) {
	c, b := req.Experiment, req.Control
	if !c.Start.Equal(b.Start) || !c.End.Equal(b.End) {
		return canary, baseline, fmt.Errorf("controlScope and experimentScope must cover the same interval (canaryjudge compares them window by window)")
	}
	src, err := k.source(ctx, req.MetricsAccount)
	if err != nil {
		return canary, baseline, err
	}
	res, err := src.Fetch(ctx, source.Request{Metrics: req.Policy.Metrics, Canary: source.Scope(c.Labels),
		Baseline: source.Scope(b.Labels), Start: c.Start, End: c.End})
	if err != nil {
		return canary, baseline, err
	}
	return res.Canary, res.Baseline, nil
}

// source opens the named source, once per version of its configuration.
func (k *kayentaSources) source(ctx context.Context, name string) (source.Source, error) {
	if name == "" {
		return nil, fmt.Errorf("metricsAccountName must name a metric source (GET /v1/sources lists them)")
	}
	rec, err := k.s.sourceRecord(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("metric source %q (metricsAccountName): %w", name, err)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if o, ok := k.open[name]; ok && bytes.Equal(o.config, rec.Config) {
		return o.src, nil
	}
	b, ok := k.s.backends[rec.Type]
	if !ok {
		return nil, fmt.Errorf("metric source %q is of type %q, which this build does not serve", name, rec.Type)
	}
	src, err := b.Open(name, rec.Config)
	if err != nil {
		return nil, err
	}
	k.open[name] = openedSource{config: bytes.Clone(rec.Config), src: src}
	return src, nil
}
