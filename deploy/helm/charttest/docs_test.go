package charttest

import (
	"bytes"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"
	"text/template"

	rollouts "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	templateutil "github.com/argoproj/argo-rollouts/utils/template"
	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"github.com/google/go-cmp/cmp"
	"helm.sh/helm/v4/pkg/strvals"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

const repoRoot = "../../../"

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// documented decodes strictly into v the YAML document of
// docs/integrations/<doc> whose metadata.name is name: the manifests
// integrations/clienttest runs with the tools' own client code.
func documented(t *testing.T, doc, name string, v any) {
	t.Helper()
	raw, err := os.ReadFile(repoRoot + "docs/integrations/" + doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range yamlBlock.FindAllStringSubmatch(string(raw), -1) {
		for _, d := range strings.Split(block[1], "\n---\n") {
			var meta struct{ Metadata struct{ Name string } }
			if yaml.Unmarshal([]byte(d), &meta) == nil && meta.Metadata.Name == name {
				if err := yaml.UnmarshalStrict([]byte(d), v); err != nil {
					t.Fatalf("%s: %s: %v", doc, name, err)
				}
				return
			}
		}
	}
	t.Fatalf("%s has no manifest named %s", doc, name)
}

// TestArgoTemplatesAreTheDocumented: the chart's web-provider templates
// are the documented ones, object for object (installed as release
// canaryjudge in namespace canaryjudge, the address the docs use).
func TestArgoTemplatesAreTheDocumented(t *testing.T) {
	r := mustRender(t, "argoRollouts: {enabled: true}")
	for _, name := range []string{"canaryjudge-decision", "canaryjudge-promotion-gate"} {
		var doc rollouts.AnalysisTemplate
		documented(t, "argo-rollouts.md", name, &doc)
		chart := get[*rollouts.AnalysisTemplate](t, r, "AnalysisTemplate/"+name)
		if d := cmp.Diff(doc.Spec, chart.Spec); d != "" {
			t.Errorf("%s differs from docs/integrations/argo-rollouts.md (-doc +chart):\n%s", name, d)
		}
	}
}

// TestArgoKayentaTemplate: the chart's kayenta template is the documented
// one made reusable: the service is an argument and, authentication being
// on, the token is in the address as the doc says. With the same
// arguments, Argo's own argument resolution gives the same metric.
func TestArgoKayentaTemplate(t *testing.T) {
	var doc rollouts.AnalysisTemplate
	documented(t, "argo-rollouts.md", "canaryjudge-kayenta", &doc)
	chart := get[*rollouts.AnalysisTemplate](t, mustRender(t, "argoRollouts: {enabled: true}"), "AnalysisTemplate/canaryjudge-kayenta")

	var names []string
	for _, a := range chart.Spec.Args {
		names = append(names, a.Name)
	}
	if strings.Join(names, ",") != "service,start-time,end-time,stable-hash,canary-hash,token" {
		t.Errorf("args %v", names)
	}
	str := func(s string) *string { return &s }
	args := []rollouts.Argument{{Name: "service", Value: str("checkout")}, {Name: "token", Value: str("T0KEN")},
		{Name: "start-time", Value: str("2026-11-26T09:00:00Z")}, {Name: "end-time", Value: str("2026-11-26T09:10:00Z")},
		{Name: "stable-hash", Value: str("6f9c")}, {Name: "canary-hash", Value: str("7d1e")}}
	want := resolve(t, doc.Spec.Metrics[0], args)
	want.Provider.Kayenta.Address += "/token/T0KEN"
	if d := cmp.Diff(want, resolve(t, chart.Spec.Metrics[0], args)); d != "" {
		t.Errorf("resolved kayenta metric differs from the documented one (-doc +chart):\n%s", d)
	}
}

// resolve substitutes {{args.x}} the way Argo does for a measurement
// (utils/analysis.ResolveMetricArgs: the metric as JSON through
// utils/template.ResolveQuotedArgs).
func resolve(t *testing.T, m rollouts.Metric, args []rollouts.Argument) rollouts.Metric {
	t.Helper()
	raw, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	s, err := templateutil.ResolveQuotedArgs(string(raw), args)
	if err != nil {
		t.Fatal(err)
	}
	var out rollouts.Metric
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestFlaggerWebhooksAreTheDocumented: the webhooks NOTES.txt prints are the
// documented Canary's, with the token in the path (Flagger sends no
// header), decoded as Flagger's own type.
func TestFlaggerWebhooksAreTheDocumented(t *testing.T) {
	notes := mustRender(t, "flagger: {enabled: true}").notes
	_, snippet, ok := strings.Cut(notes, "\n    webhooks:\n")
	if !ok {
		t.Fatalf("NOTES print no webhooks:\n%s", notes)
	}
	snippet, _, _ = strings.Cut(snippet, "\n\n")
	var got struct{ Webhooks []flaggerv1.CanaryWebhook }
	if err := yaml.UnmarshalStrict([]byte("webhooks:\n"+snippet), &got); err != nil {
		t.Fatalf("the NOTES' webhooks do not decode as Flagger's: %v\n%s", err, snippet)
	}
	var doc flaggerv1.Canary
	documented(t, "flagger.md", "podinfo", &doc)
	want := doc.Spec.Analysis.Webhooks
	for i := range want {
		want[i].URL = strings.Replace(want[i].URL, "/flagger/", "/flagger/token/TOKEN/", 1)
		want[i].Metadata = nil // the doc's per-Canary overrides
	}
	if d := cmp.Diff(want, got.Webhooks); d != "" {
		t.Errorf("NOTES' webhooks differ from docs/integrations/flagger.md (-doc +chart):\n%s", d)
	}
}

// TestFlaggerMetricTemplate: Flagger renders the query (text/template with
// its model's functions and missingkey=error, as its observers.RenderQuery
// does) into canaryjudge's score gauge for the canary's service and target.
func TestFlaggerMetricTemplate(t *testing.T) {
	mt := get[*flaggerv1.MetricTemplate](t, mustRender(t, "flagger: {enabled: true}"), "MetricTemplate/canaryjudge-score")
	if mt.Spec.Provider.Type != "prometheus" || mt.Spec.Provider.Address != "http://prometheus-operated.monitoring:9090" {
		t.Errorf("provider %+v", mt.Spec.Provider)
	}
	model := flaggerv1.MetricTemplateModel{Name: "podinfo", Namespace: "prod", Target: "podinfo", Interval: "1m"}
	tmpl, err := template.New("q").Option("missingkey=error").Funcs(model.TemplateFunctions()).Parse(mt.Spec.Query)
	if err != nil {
		t.Fatal(err)
	}
	var q bytes.Buffer
	if err := tmpl.Execute(&q, nil); err != nil {
		t.Fatal(err)
	}
	const want = `max(canaryjudge_release_last_score{service="podinfo", target="prod"})`
	if strings.TrimSpace(q.String()) != want {
		t.Errorf("query renders %q, want %q", q.String(), want)
	}
	src, err := os.ReadFile(repoRoot + "engine/metrics.go")
	if err != nil || !strings.Contains(string(src), `"canaryjudge_release_last_score"`) {
		t.Errorf("engine/metrics.go no longer exports canaryjudge_release_last_score (%v)", err)
	}
}

// TestDashboardConfigMap: the chart's dashboard is deploy/grafana's, byte
// for byte, under the Grafana chart's sidecar label; datasource uids can be
// renamed and the JSON stays valid.
func TestDashboardConfigMap(t *testing.T) {
	orig, err := os.ReadFile(repoRoot + "deploy/grafana/dashboards/canaryjudge.json")
	if err != nil {
		t.Fatal(err)
	}
	if copied, err := os.ReadFile(chartDir + "/dashboards/canaryjudge.json"); err != nil || !bytes.Equal(copied, orig) {
		t.Fatalf("deploy/helm/canaryjudge/dashboards/canaryjudge.json differs from deploy/grafana's (%v): cp deploy/grafana/dashboards/canaryjudge.json deploy/helm/canaryjudge/dashboards/", err)
	}
	cm := get[*corev1.ConfigMap](t, mustRender(t, "grafanaDashboard: {enabled: true}"), "ConfigMap/canaryjudge-dashboard")
	if cm.Labels["grafana_dashboard"] != "1" {
		t.Errorf("labels %v: want the sidecar's grafana_dashboard", cm.Labels)
	}
	if cm.Data["canaryjudge.json"] != strings.TrimRight(string(orig), "\n") {
		t.Errorf("the ConfigMap's dashboard is not deploy/grafana's")
	}
	cm = get[*corev1.ConfigMap](t, mustRender(t, "grafanaDashboard: {enabled: true, datasourceUIDs: {prometheus: prom-main, postgres: cj-ro}}"), "ConfigMap/canaryjudge-dashboard")
	js := cm.Data["canaryjudge.json"]
	if !json.Valid([]byte(js)) || strings.Contains(js, `"canaryjudge-prom"`) || strings.Contains(js, `"canaryjudge-pg"`) ||
		strings.Count(js, `"prom-main"`) != strings.Count(string(orig), `"canaryjudge-prom"`) || strings.Count(js, `"cj-ro"`) == 0 {
		t.Errorf("datasource uids not renamed throughout the dashboard")
	}
}

// TestReadmeInstall: the README's helm install command (release, namespace
// and --set values) installs, and the Secret its kubectl command creates is
// the one the pods read DATABASE_URL from.
func TestReadmeInstall(t *testing.T) {
	readme, err := os.ReadFile(repoRoot + "README.md")
	if err != nil {
		t.Fatal(err)
	}
	install := regexp.MustCompile(`(?m)^helm install (\S+) deploy/helm/canaryjudge -n (\S+)((?: --set \S+)*)$`).FindSubmatch(readme)
	secret := regexp.MustCompile(`(?m)^kubectl -n (\S+) create secret generic (\S+) --from-literal=(\w+)='postgres://`).FindSubmatch(readme)
	if install == nil || secret == nil {
		t.Fatalf("README.md has no `kubectl -n NS create secret generic NAME --from-literal=KEY='postgres://...` and `helm install NAME deploy/helm/canaryjudge -n NS --set ...`")
	}
	if string(install[1]) != releaseName || string(install[2]) != namespace || string(secret[1]) != namespace {
		t.Errorf("README installs %s in %s (Secret in %s); the docs' address assumes %s in %s", install[1], install[2], secret[1], releaseName, namespace)
	}
	vals := map[string]any{}
	for _, set := range strings.Fields(strings.ReplaceAll(string(install[3]), "--set", "")) {
		if err := strvals.ParseInto(set, vals); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := yaml.Marshal(vals)
	if err != nil {
		t.Fatal(err)
	}
	d := deployment(t, mustRender(t, string(raw)))
	if !hasEnvFromSecret(d, "DATABASE_URL", string(secret[2]), string(secret[3])) {
		t.Errorf("the README's Secret %s (key %s) is not where the pods read DATABASE_URL", secret[2], secret[3])
	}
}
