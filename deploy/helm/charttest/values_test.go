package charttest

import (
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/lint/support"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// valueSet is one way to install the chart and the objects it must give.
type valueSet struct {
	name   string
	values string   // YAML, over the chart's defaults
	want   []string // every object rendered, as "Kind/name"
}

// base is what every install renders.
var base = []string{"Deployment/canaryjudge", "Service/canaryjudge", "ServiceAccount/canaryjudge",
	"PodDisruptionBudget/canaryjudge", "Secret/canaryjudge-admin-token"}

func with(extra ...string) []string { return append(slices.Clone(base), extra...) }

var valueSets = []valueSet{
	{name: "defaults", want: base},
	{name: "external secrets", values: `
database: {existingSecret: {name: prod-db, key: DATABASE_URL}}
auth: {adminToken: {existingSecret: {name: prod-admin, key: admin}}}`,
		want: []string{"Deployment/canaryjudge", "Service/canaryjudge", "ServiceAccount/canaryjudge", "PodDisruptionBudget/canaryjudge"}},
	{name: "database url", values: `
database: {url: "postgres://canaryjudge:pw@db.prod:5432/canaryjudge?sslmode=require"}
auth: {adminToken: {value: "0123456789abcdef0123456789abcdef-admin"}}`,
		want: with("Secret/canaryjudge-database")},
	{name: "ingress and network policy", values: `
ingress:
  enabled: true
  className: nginx
  hosts: [{host: canaryjudge.example.com, paths: [{path: /, pathType: Prefix}]}]
  tls: [{secretName: canaryjudge-tls, hosts: [canaryjudge.example.com]}]
networkPolicy:
  enabled: true
  egress:
    database: [{to: [{ipBlock: {cidr: 10.20.0.0/16}}], ports: [{port: 5432, protocol: TCP}]}]`,
		want: with("Ingress/canaryjudge", "NetworkPolicy/canaryjudge")},
	{name: "service monitor and dashboard", values: `
serviceMonitor: {enabled: true, labels: {release: kube-prometheus-stack}}
grafanaDashboard: {enabled: true, namespace: monitoring}`,
		want: with("ServiceMonitor/canaryjudge", "ConfigMap/monitoring/canaryjudge-dashboard")},
	{name: "integrations", values: `
argoRollouts: {enabled: true}
flagger: {enabled: true}`,
		want: with("AnalysisTemplate/canaryjudge-decision", "AnalysisTemplate/canaryjudge-promotion-gate",
			"AnalysisTemplate/canaryjudge-kayenta", "MetricTemplate/canaryjudge-score")},
	{name: "argo templates in app namespaces", values: `
argoRollouts: {enabled: true, namespaces: [shop, payments], kayenta: {enabled: false}}`,
		want: with("AnalysisTemplate/shop/canaryjudge-decision", "AnalysisTemplate/shop/canaryjudge-promotion-gate",
			"AnalysisTemplate/payments/canaryjudge-decision", "AnalysisTemplate/payments/canaryjudge-promotion-gate")},
	{name: "cluster-scoped argo templates", values: `
argoRollouts: {enabled: true, clusterScoped: true}`,
		want: with("ClusterAnalysisTemplate/canaryjudge-decision", "ClusterAnalysisTemplate/canaryjudge-promotion-gate",
			"ClusterAnalysisTemplate/canaryjudge-kayenta")},
	{name: "in-memory store", values: `
database: {inMemory: true}
replicaCount: 1`,
		want: base},
}

// TestValueSetsRender: each value set installs (schema, templates) and
// gives exactly the objects it should, each decoded strictly into its Go
// type by render.
func TestValueSetsRender(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			r := mustRender(t, vs.values)
			got := r.keys()
			slices.Sort(got)
			want := slices.Sorted(slices.Values(vs.want))
			if !slices.Equal(got, want) {
				t.Errorf("rendered %v\nwant     %v", got, want)
			}
		})
	}
}

// TestLint: Helm's lint action finds nothing worse than INFO (it checks
// Chart.yaml, values against the schema, templates and the YAML they
// render) for every value set.
func TestLint(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			vals := map[string]any{}
			if err := yaml.Unmarshal([]byte(vs.values), &vals); err != nil {
				t.Fatal(err)
			}
			l := action.NewLint()
			l.Strict, l.Namespace = true, namespace
			kv, err := common.ParseKubeVersion(kubeVersion)
			if err != nil {
				t.Fatal(err)
			}
			l.KubeVersion = kv
			res := l.Run([]string{chartDir}, vals)
			for _, err := range res.Errors {
				t.Errorf("lint: %v", err)
			}
			for _, m := range res.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("lint: %s", m)
				}
			}
			if res.TotalChartsLinted != 1 {
				t.Errorf("linted %d charts, want 1", res.TotalChartsLinted)
			}
		})
	}
}

// TestInMemoryWarns: the in-memory store is only ever explicit, and its
// NOTES say loudly what is lost; a PostgreSQL install says nothing of it.
func TestInMemoryWarns(t *testing.T) {
	mem := mustRender(t, "database: {inMemory: true}\nreplicaCount: 1")
	if !strings.Contains(mem.notes, "WARNING: IN-MEMORY STORE") || !strings.Contains(mem.notes, "LOST") {
		t.Errorf("in-memory NOTES carry no warning:\n%s", mem.notes)
	}
	for _, e := range deployment(t, mem).Spec.Template.Spec.Containers[0].Env {
		if e.Name == "DATABASE_URL" {
			t.Errorf("in-memory install still sets DATABASE_URL")
		}
	}
	pg := mustRender(t, "")
	if strings.Contains(pg.notes, "IN-MEMORY") {
		t.Errorf("a PostgreSQL install warns of the in-memory store:\n%s", pg.notes)
	}
	if !hasEnvFromSecret(deployment(t, pg), "DATABASE_URL", "canaryjudge-database", "url") {
		t.Errorf("by default DATABASE_URL must come from Secret canaryjudge-database, key url")
	}
}

// TestGoRuntimeSettings: the server runs with GOGC from values (400 unless
// set) and GOMEMLIMIT from the container's memory limit, so the larger
// heap GOGC allows is still collected before the kernel would kill the pod.
func TestGoRuntimeSettings(t *testing.T) {
	for _, c := range []struct{ values, gogc string }{{"", "400"}, {"server: {gogc: 150}", "150"}} {
		env := map[string]corev1.EnvVar{}
		for _, e := range deployment(t, mustRender(t, c.values)).Spec.Template.Spec.Containers[0].Env {
			env[e.Name] = e
		}
		if got := env["GOGC"].Value; got != c.gogc {
			t.Errorf("values %q: GOGC = %q, want %q", c.values, got, c.gogc)
		}
		lim := env["GOMEMLIMIT"].ValueFrom
		if lim == nil || lim.ResourceFieldRef == nil || lim.ResourceFieldRef.Resource != "limits.memory" {
			t.Errorf("values %q: GOMEMLIMIT = %+v, want the container's limits.memory", c.values, env["GOMEMLIMIT"])
		}
	}
}
