package engine

import (
	"fmt"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/canaryjudge/canaryjudge/judge"
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
