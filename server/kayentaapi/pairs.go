package kayentaapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server/wire"
	"github.com/canaryjudge/canaryjudge/store"
)

// MetricSetPair is Kayenta's MetricSetPair: one metric's series on both
// sides, keyed "control" (the baseline) and "experiment" (the canary). Its
// id is the id of the metric's result, which Deck's report looks it up by.
type MetricSetPair struct {
	Name       string                       `json:"name"`
	ID         string                       `json:"id"`
	Tags       map[string]string            `json:"tags"`
	Values     map[string][]*float64        `json:"values"` // NaN is null
	Scopes     map[string]PairScope         `json:"scopes"`
	Attributes map[string]map[string]string `json:"attributes"`
}

// PairScope is where one side's series starts and its spacing.
type PairScope struct {
	StartTimeIso    string `json:"startTimeIso"`
	StartTimeMillis int64  `json:"startTimeMillis"`
	StepMillis      int64  `json:"stepMillis"`
}

// MetricSetPairList answers GET /kayenta/metricSetPairList/{id}, id being
// a succeeded execution's metricSetPairListId. canaryjudge keeps an
// execution's request and result, not its series: they are read again
// from the metric source with the execution's scopes, under the policy
// version it was judged with (409 once the policy has changed).
func (h *Handler) MetricSetPairList(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	e, err := h.Store.KayentaExecution(ctx, chi.URLParam(r, "canaryId"))
	if err != nil {
		return err
	}
	if err := h.Env.Allow(r, e.Service); err != nil {
		return err
	}
	if e.Result == nil {
		return fmt.Errorf("execution %s ended %s without series (%s): %w", e.ID, e.Status, e.Error, store.ErrNotFound)
	}
	pol, err := h.policy(ctx, e.Service)
	if err != nil {
		return err
	}
	if pol.Version != e.PolicyVersion {
		return wire.Errorf(http.StatusConflict, "policy-changed", "The policy has changed since",
			fmt.Sprintf("execution %s was judged under version %d of %s's policy, which is now version %d: its queries may "+
				"differ, so its series cannot be read again", e.ID, e.PolicyVersion, e.Service, pol.Version))
	}
	if h.Source == nil {
		return noSource()
	}
	var req ExecutionRequest
	if err := json.Unmarshal(e.Request, &req); err != nil {
		return fmt.Errorf("execution %s: its stored request: %w", e.ID, err)
	}
	v := &judge.ValidationError{}
	_, control, experiment := req.pair(v)
	if err := v.Err(); err != nil {
		return fmt.Errorf("execution %s: its stored request: %w", e.ID, err)
	}
	canary, baseline, err := h.Source.Fetch(ctx, FetchRequest{MetricsAccount: e.Params["metricsAccountName"], Service: e.Service,
		Policy: pol.Policy, Control: control, Experiment: experiment})
	if err != nil {
		return wire.Errorf(http.StatusBadGateway, "metric-source-failed", "The metric source failed",
			"reading execution "+e.ID+"'s series again failed: "+err.Error())
	}
	return wire.WriteJSON(w, http.StatusOK, pairs(*e.Result, pol.Policy, control, experiment, canary, baseline))
}

// pairs builds one MetricSetPair per metric of the result, in its order.
func pairs(res judge.Result, p judge.Policy, control, experiment Scope, canary, baseline judge.Side) []MetricSetPair {
	queries := map[string]string{}
	for _, m := range p.Metrics {
		queries[m.Name] = m.Query
	}
	out := []MetricSetPair{}
	for i, m := range res.Metrics {
		c, x := seriesOf(baseline, m.Name), seriesOf(canary, m.Name)
		out = append(out, MetricSetPair{Name: m.Name, ID: resultID(m.Name, i), Tags: map[string]string{},
			Values: map[string][]*float64{"control": nullNaN(c), "experiment": nullNaN(x)},
			Scopes: map[string]PairScope{"control": pairScope(control, len(c)), "experiment": pairScope(experiment, len(x))},
			Attributes: map[string]map[string]string{
				"control":    {"query": queries[m.Name], "scope": matchers(control.Labels)},
				"experiment": {"query": queries[m.Name], "scope": matchers(experiment.Labels)}}})
	}
	return out
}

// resultID is a metric result's id, shared by its MetricSetPair.
func resultID(name string, i int) string { return name + "-" + strconv.Itoa(i) }

// seriesOf is one metric's points on a side: a plain series, a count
// metric's events/total per point, or the instances' points one instance
// after another (by name).
func seriesOf(s judge.Side, name string) []float64 {
	if xs, ok := s.Series[name]; ok {
		return xs
	}
	if c, ok := s.Counts[name]; ok {
		return ratios(c)
	}
	in := s.Instances[name]
	var xs []float64
	for _, k := range slices.Sorted(maps.Keys(in.Series)) {
		xs = append(xs, in.Series[k]...)
	}
	for _, k := range slices.Sorted(maps.Keys(in.Counts)) {
		xs = append(xs, ratios(in.Counts[k])...)
	}
	return xs
}

func ratios(c judge.Count) []float64 {
	out := make([]float64, min(len(c.Events), len(c.Total)))
	for i := range out {
		out[i] = c.Events[i] / c.Total[i] // 0/0 is NaN: no traffic, no rate
	}
	return out
}

func nullNaN(xs []float64) []*float64 {
	out := make([]*float64, len(xs))
	for i, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out[i] = &xs[i]
		}
	}
	return out
}

// pairScope is a side's start and step. The metric source queries at its
// own step, not the scope's: the step is the scope's span over the points
// returned (the scope's step when there are fewer than two).
func pairScope(s Scope, n int) PairScope {
	step := s.Step
	if n > 1 {
		step = s.End.Sub(s.Start) / time.Duration(n-1)
	}
	return PairScope{StartTimeIso: s.Start.UTC().Format(time.RFC3339Nano), StartTimeMillis: s.Start.UnixMilli(), StepMillis: step.Milliseconds()}
}

// matchers writes label matchers as PromQL does: app="checkout",track="canary".
func matchers(m map[string]string) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k + "=" + strconv.Quote(m[k]))
	}
	return b.String()
}

// configFor is the canary config an execution was judged under: the
// service's policy while it is still that version; after a change, the
// metrics and groups the execution's result names.
func (h *Handler) configFor(ctx context.Context, e store.KayentaExecution) (CanaryConfig, error) {
	pol, err := h.Store.GetPolicy(ctx, e.Service)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return CanaryConfig{}, err
	}
	if err == nil && pol.Version == e.PolicyVersion && pol.Policy.Mode == judge.ModeKayenta {
		return configOf(pol), nil
	}
	rec := store.PolicyRecord{Service: e.Service, Version: e.PolicyVersion, CreatedAt: e.CreatedAt}
	if res := e.Result; res != nil {
		rec.Policy.Thresholds, rec.Policy.Groups = res.Thresholds, map[string]float64{}
		for _, g := range res.Groups {
			rec.Policy.Groups[g.Name] = g.Weight
		}
		for _, m := range res.Metrics {
			rec.Policy.Metrics = append(rec.Policy.Metrics, judge.Metric{Name: m.Name, Group: m.Group, Direction: m.Direction, Critical: m.Critical})
		}
	}
	c := configOf(rec)
	c.Description = fmt.Sprintf("version %d of %s's policy as execution %s names it (the policy has changed since)", e.PolicyVersion, e.Service, e.ID)
	return c, nil
}

func noSource() error {
	return wire.Errorf(http.StatusNotImplemented, "no-metric-source", "No metric source",
		"this server has no metric source to fetch the scopes' series from; configure one (see the README)")
}
