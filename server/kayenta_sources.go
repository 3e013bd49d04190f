package server

import (
	"bytes"
	"context"
	"fmt"
	"sync"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/deploytool"
	"github.com/canaryjudge/canaryjudge/server/kayentaapi"
	"github.com/canaryjudge/canaryjudge/source"
)

// kayentaSources serves the Kayenta-compatible API from the metric sources
// scheduled runs use: the request's metricsAccountName names the source
// (PUT /v1/sources/{name} or the server's sources file), and each scope
// is label matchers, "app=checkout,track=canary" (or joined by " and ",
// values optionally quoted), that replace {{scope}} in the queries.
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
	cs, err := parseKayentaScope(c.Scope)
	if err != nil {
		return canary, baseline, fmt.Errorf("experimentScope.scope: %w", err)
	}
	bs, err := parseKayentaScope(b.Scope)
	if err != nil {
		return canary, baseline, fmt.Errorf("controlScope.scope: %w", err)
	}
	src, err := k.source(ctx, req.MetricsAccount)
	if err != nil {
		return canary, baseline, err
	}
	res, err := src.Fetch(ctx, source.Request{Metrics: req.Policy.Metrics, Canary: cs, Baseline: bs, Start: c.Start, End: c.End})
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

// parseKayentaScope reads a Kayenta scope's label matchers.
func parseKayentaScope(s string) (source.Scope, error) {
	m, err := deploytool.ParseScope(s)
	if err != nil {
		return nil, err
	}
	if len(m) > source.MaxScopeLabels {
		return nil, fmt.Errorf("at most %d labels", source.MaxScopeLabels)
	}
	return source.Scope(m), nil
}
