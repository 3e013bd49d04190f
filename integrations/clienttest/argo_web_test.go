package clienttest

import (
	"net/http"
	"testing"
	"time"

	"github.com/argoproj/argo-rollouts/metricproviders/webmetric"
	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	log "github.com/sirupsen/logrus"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/testclock"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

const adminToken = "clienttest-admin-token-0123456789abcdef"

// Argo's web metric provider with the two documented templates, on a
// server with authentication on (the token goes in the documented header):
// each decision gives the documented phase.
func TestArgoWebProviderOnTheDecision(t *testing.T) {
	clk := testclock.New(time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC))
	cj := canaryjudgetest.NewServer(t, canaryjudgetest.WithClock(clk.Now), canaryjudgetest.WithAdminToken(adminToken))
	for _, svc := range []string{"wait", "promote", "rollback", "escalate"} {
		cj.MustDo(t, 201, "PUT", "/v1/services/"+svc+"/policy", tooltest.Policy)
	}
	ids := map[string]string{}
	for _, svc := range []string{"wait", "promote", "rollback", "escalate"} {
		var rel struct{ ID string }
		cj.MustDo(t, 201, "POST", "/v1/releases", map[string]string{"service": svc, "version": "v2", "baseline_version": "v1"}).Decode(t, &rel)
		ids[svc] = rel.ID
	}
	tooltest.Window(t, cj, ids["wait"], 0.001, 0.001)
	tooltest.Window(t, cj, ids["rollback"], 0.09, 0.001) // past the critical ceiling
	tooltest.Window(t, cj, ids["escalate"], 0.09, 0.09)  // the baseline is unhealthy too
	for range 2 {
		clk.Advance(time.Minute)
		tooltest.Window(t, cj, ids["promote"], 0.001, 0.001)
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
