package clienttest

import (
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	log "github.com/sirupsen/logrus"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
)

const decisionPolicy = `{"metrics":[{"name":"error_ratio","group":"errors","direction":"increase","critical":true,"ceiling":0.05,
  "effect_size":{"measure":"mean_diff","allowed_increase":0.005}}],
 "windows":{"interval":"1m","min_windows":2,"min_bake":"2m","consecutive_failures":2,"consecutive_nodata":3},
 "guards":{"rollback_cap":{"per_service":5,"fleet":10,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}}`

const adminToken = "clienttest-admin-token-0123456789abcdef"

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// window posts one analysis of error ratios around canary and baseline.
func window(t *testing.T, cj *canaryjudgetest.Server, id string, canary, baseline float64) {
	t.Helper()
	series := func(level float64) []float64 {
		out := make([]float64, 20)
		for i := range out {
			out[i] = level * (1 + 0.1*float64(i%5-2))
		}
		return out
	}
	cj.MustDo(t, 200, "POST", "/v1/releases/"+id+"/analyses", map[string]any{
		"canary": map[string][]float64{"error_ratio": series(canary)}, "baseline": map[string][]float64{"error_ratio": series(baseline)}})
}

// Argo's web metric provider with the two documented templates, on a
// server with authentication on (the token goes in the documented header):
// each decision gives the documented phase.
func TestArgoWebProviderOnTheDecision(t *testing.T) {
	clk := &clock{t: time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)}
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now), canaryjudgetest.WithAdminToken(adminToken))
	for _, svc := range []string{"wait", "promote", "rollback", "escalate"} {
		cj.MustDo(t, 201, "PUT", "/v1/services/"+svc+"/policy", decisionPolicy)
	}
	ids := map[string]string{}
	for _, svc := range []string{"wait", "promote", "rollback", "escalate"} {
		var rel struct{ ID string }
		cj.MustDo(t, 201, "POST", "/v1/releases", map[string]string{"service": svc, "version": "v2", "baseline_version": "v1"}).Decode(t, &rel)
		ids[svc] = rel.ID
	}
	window(t, cj, ids["wait"], 0.001, 0.001)
	window(t, cj, ids["rollback"], 0.09, 0.001) // past the critical ceiling
	window(t, cj, ids["escalate"], 0.09, 0.09)  // the baseline is unhealthy too
	for range 2 {
		clk.Add(time.Minute)
		window(t, cj, ids["promote"], 0.001, 0.001)
	}

	P := struct{ ok, fail, inc v1alpha1.AnalysisPhase }{v1alpha1.AnalysisPhaseSuccessful, v1alpha1.AnalysisPhaseFailed, v1alpha1.AnalysisPhaseInconclusive}
	want := map[string]map[string]v1alpha1.AnalysisPhase{ // the documented table
		"canaryjudge-decision":       {"wait": P.ok, "promote": P.ok, "rollback": P.fail, "escalate": P.inc},
		"canaryjudge-promotion-gate": {"wait": P.inc, "promote": P.ok, "rollback": P.fail, "escalate": P.inc},
	}
	for tmplName, byDecision := range want {
		for decision, phase := range byDecision {
			metric := webMetric(t, tmplName, cj.URL, ids[decision])
			parser, err := webmetric.NewWebMetricJsonParser(metric)
			if err != nil {
				t.Fatal(err)
			}
			p := webmetric.NewWebMetricProvider(*log.NewEntry(log.New()), &http.Client{Timeout: 10 * time.Second}, parser)
			m := p.Run(&v1alpha1.AnalysisRun{}, metric)
			if m.Phase != phase || m.Value != `"`+decision+`"` {
				t.Errorf("%s on a %s decision: phase %s, value %s (%s), want %s", tmplName, decision, m.Phase, m.Value, m.Message, phase)
			}
		}
	}
}

func webMetric(t *testing.T, name, url, releaseID string) v1alpha1.Metric {
	var tmpl v1alpha1.AnalysisTemplate
	manifest(t, "argo-rollouts.md", name, &tmpl, "http://canaryjudge.canaryjudge:8080", url,
		"{{args.release-id}}", releaseID, "{{args.token}}", adminToken)
	if len(tmpl.Spec.Metrics) != 1 || tmpl.Spec.Metrics[0].Provider.Web == nil {
		t.Fatalf("%s has no web metric", name)
	}
	return tmpl.Spec.Metrics[0]
}
