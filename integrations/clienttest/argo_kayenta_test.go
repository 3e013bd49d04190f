package clienttest

import (
	"strconv"
	"testing"

	"github.com/argoproj/argo-rollouts/metricproviders/kayenta"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	log "github.com/sirupsen/logrus"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// The Argo Rollouts analysis loop through the Kayenta-compatible API, with
// Argo's own kayenta provider and the documented AnalysisTemplate: config
// lookup and start (Run), polls until complete (Resume), then the score
// against the template's thresholds, for every measurement of the metric.
func TestArgoKayentaProvider(t *testing.T) {
	src := canaryjudgetest.StaticSource{"rollouts-pod-template-hash=stable": tooltest.KayentaSide(1, 1, 0.002)}
	for i := range 3 {
		src["rollouts-pod-template-hash=healthy"+strconv.Itoa(i)] = tooltest.KayentaSide(uint64(10+i), 1, 0.002)
		src["rollouts-pod-template-hash=bad"+strconv.Itoa(i)] = tooltest.KayentaSide(uint64(20+i), 1.5, 0.01)
	}
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithKayentaSource(src))
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", tooltest.KayentaPolicy)

	for _, tc := range []struct {
		canary string
		want   v1alpha1.AnalysisPhase
		ok     func(score int) bool
	}{
		{"healthy", v1alpha1.AnalysisPhaseSuccessful, func(s int) bool { return s >= 90 }},
		{"bad", v1alpha1.AnalysisPhaseFailed, func(s int) bool { return s < 75 }},
	} {
		t.Run(tc.canary, func(t *testing.T) {
			metric := kayentaMetric(t, cj.URL+"/kayenta", tc.canary)
			count := metric.Count.IntValue()
			if count != 3 {
				t.Fatalf("the documented template measures %d times, want 3", count)
			}
			provider := kayenta.NewKayentaProvider(*log.NewEntry(log.New()), kayenta.NewHttpClient())
			for i := range count {
				// Each measurement judges a new interval: Argo substitutes
				// its own times; the scopes name the interval's series here.
				m := metric.DeepCopy()
				m.Provider.Kayenta.Scopes[0].ExperimentScope.Scope += strconv.Itoa(i)
				got := measure(t, provider, *m)
				score, err := strconv.Atoi(got.Value)
				if got.Phase != tc.want || err != nil || !tc.ok(score) {
					t.Fatalf("measurement %d: phase %s, value %q (%s), want %s", i, got.Phase, got.Value, got.Message, tc.want)
				}
			}
		})
	}
}

// measure runs one measurement as Argo's analysis controller does: Run,
// then Resume while the measurement is Running (bounded).
func measure(t *testing.T, p *kayenta.Provider, metric v1alpha1.Metric) v1alpha1.Measurement {
	t.Helper()
	run := &v1alpha1.AnalysisRun{}
	m := p.Run(run, metric)
	if m.Phase != v1alpha1.AnalysisPhaseRunning || m.Metadata["canaryExecutionId"] == "" {
		t.Fatalf("Run: phase %s, metadata %v, message %q", m.Phase, m.Metadata, m.Message)
	}
	for polls := 0; m.Phase == v1alpha1.AnalysisPhaseRunning; polls++ {
		if polls == 10 {
			t.Fatal("the execution never completed")
		}
		m = p.Resume(run, metric, m)
	}
	return m
}

// kayentaMetric is the documented template's metric, pointed at address,
// with the stable and canary hashes as scopes.
func kayentaMetric(t *testing.T, address, canary string) v1alpha1.Metric {
	var tmpl v1alpha1.AnalysisTemplate
	manifest(t, "argo-rollouts.md", "canaryjudge-kayenta", &tmpl,
		"http://canaryjudge.canaryjudge:8080/kayenta", address,
		"{{args.stable-hash}}", "stable", "{{args.canary-hash}}", canary,
		"{{args.start-time}}", "2026-11-26T09:00:00Z", "{{args.end-time}}", "2026-11-26T09:10:00Z")
	if len(tmpl.Spec.Metrics) != 1 || tmpl.Spec.Metrics[0].Provider.Kayenta == nil {
		t.Fatalf("the documented template has no kayenta metric: %+v", tmpl.Spec.Metrics)
	}
	return tmpl.Spec.Metrics[0]
}
