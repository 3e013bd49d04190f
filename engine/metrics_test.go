package engine

import (
	"context"
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestServiceLabelsBounded: past maxServiceLabels distinct services the
// rest count under one label; services already seen keep theirs.
func TestServiceLabelsBounded(t *testing.T) {
	m := newMetrics(nil, nil, nil)
	d := judge.Decision{Action: judge.ActionWait, Reason: judge.ReasonBakeIncomplete}
	for i := range maxServiceLabels + 50 {
		m.decided(fmt.Sprintf("svc-%d", i), d)
	}
	m.decided("svc-0", d)
	if n := testutil.CollectAndCount(m.decisions); n != maxServiceLabels+1 {
		t.Errorf("%d series, want %d services and %s", n, maxServiceLabels, otherService)
	}
	if got := testutil.ToFloat64(m.decisions.WithLabelValues(otherService, "wait", "bake_incomplete")); got != 50 {
		t.Errorf("%s counted %v, want 50", otherService, got)
	}
	if got := testutil.ToFloat64(m.decisions.WithLabelValues("svc-0", "wait", "bake_incomplete")); got != 2 {
		t.Errorf("svc-0 counted %v, want 2", got)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(m.decisions, m.interventions)
	if probs, err := testutil.GatherAndLint(reg); err != nil || len(probs) > 0 {
		t.Errorf("promlint: %v %v", probs, err)
	}
}

// movingStore shows release r as baking to the first state query and as
// halted to the later ones: a sweep halted it while the scrape read.
type movingStore struct {
	Store
	r     store.Release
	calls int
}

func (m *movingStore) ListReleases(ctx context.Context, q store.ReleaseQuery) ([]store.Release, error) {
	m.calls++
	r := m.r
	switch {
	case m.calls == 1 && q.State == judge.StateBaking:
		r.State = judge.StateBaking
	case q.State == judge.StateHalted:
		r.State = judge.StateHalted
	default:
		return nil, nil
	}
	return []store.Release{r}, nil
}

func (m *movingStore) Analyses(ctx context.Context, id string, limit int) ([]store.Analysis, error) {
	return nil, nil
}

// A release that moves between the collector's queries is reported once,
// in the state read last, and the scrape succeeds.
func TestReleaseStateReadTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	newMetrics(reg, &movingStore{r: store.Release{ID: "r1", Service: "shop", Target: "eu"}}, nil)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	for _, mf := range mfs {
		if mf.GetName() != "canaryjudge_release_state" {
			continue
		}
		on := map[string]float64{}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "state" {
					on[l.GetValue()] += m.GetGauge().GetValue()
				}
			}
		}
		if len(mf.GetMetric()) != len(judge.States) || on["halted"] != 1 || on["baking"] != 0 {
			t.Fatalf("%d series, states %v; want one release, halted", len(mf.GetMetric()), on)
		}
		return
	}
	t.Fatal("canaryjudge_release_state not collected")
}
