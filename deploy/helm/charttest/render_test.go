package charttest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	rollouts "github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"helm.sh/helm/v4/pkg/action"
	"helm.sh/helm/v4/pkg/chart/common"
	"helm.sh/helm/v4/pkg/chart/v2/loader"
	release "helm.sh/helm/v4/pkg/release/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

const (
	chartDir    = "../canaryjudge"
	releaseName = "canaryjudge"
	namespace   = "canaryjudge"
	// kubeVersion is the oldest Kubernetes the chart supports (Chart.yaml's
	// kubeVersion: the preStop sleep action is on by default from 1.30).
	kubeVersion = "v1.30.0"
)

// types maps each apiVersion and kind the chart may render onto a new
// value of its Go type. Anything else the chart renders fails the tests.
var types = map[string]func() any{
	"apps/v1 Deployment":                           func() any { return &appsv1.Deployment{} },
	"v1 Service":                                   func() any { return &corev1.Service{} },
	"v1 Secret":                                    func() any { return &corev1.Secret{} },
	"v1 ServiceAccount":                            func() any { return &corev1.ServiceAccount{} },
	"v1 ConfigMap":                                 func() any { return &corev1.ConfigMap{} },
	"policy/v1 PodDisruptionBudget":                func() any { return &policyv1.PodDisruptionBudget{} },
	"networking.k8s.io/v1 Ingress":                 func() any { return &networkingv1.Ingress{} },
	"networking.k8s.io/v1 NetworkPolicy":           func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1 ServiceMonitor":      func() any { return &monitoringv1.ServiceMonitor{} },
	"argoproj.io/v1alpha1 AnalysisTemplate":        func() any { return &rollouts.AnalysisTemplate{} },
	"argoproj.io/v1alpha1 ClusterAnalysisTemplate": func() any { return &rollouts.ClusterAnalysisTemplate{} },
	"flagger.app/v1beta1 MetricTemplate":           func() any { return &flaggerv1.MetricTemplate{} },
}

// rendered is one install's output: every object decoded into its Go
// type, by "Kind/name" (namespaced ones as "Kind/namespace/name"), and
// the NOTES.
type rendered struct {
	objects map[string]any
	notes   string
}

// render installs the chart in client-only dry-run mode (what `helm
// install --dry-run=client` and `helm template` do: values.schema.json
// validation, templates, NOTES) with vals, a YAML document of values.
func render(vals string) (*rendered, error) {
	chrt, err := loader.Load(chartDir)
	if err != nil {
		return nil, fmt.Errorf("load the chart: %w", err)
	}
	values := map[string]any{}
	if err := yaml.Unmarshal([]byte(vals), &values); err != nil {
		return nil, fmt.Errorf("values: %w", err)
	}
	inst := action.NewInstall(&action.Configuration{})
	inst.DryRunStrategy = action.DryRunClient
	inst.ReleaseName, inst.Namespace = releaseName, namespace
	if inst.KubeVersion, err = common.ParseKubeVersion(kubeVersion); err != nil {
		return nil, err
	}
	rr, err := inst.Run(chrt, values)
	if err != nil {
		return nil, err
	}
	rel, ok := rr.(*release.Release)
	if !ok {
		return nil, fmt.Errorf("install returned a %T", rr)
	}
	if len(rel.Hooks) > 0 {
		return nil, fmt.Errorf("the chart has %d hooks; it is meant to have none", len(rel.Hooks))
	}
	objs, err := decodeAll(rel.Manifest)
	if err != nil {
		return nil, err
	}
	return &rendered{objects: objs, notes: rel.Info.Notes}, nil
}

// mustRender renders vals or fails the test.
func mustRender(t *testing.T, vals string) *rendered {
	t.Helper()
	r, err := render(vals)
	if err != nil {
		t.Fatalf("render: %v", err)
	}
	return r
}

// decodeAll splits a manifest into documents and decodes each strictly
// (unknown or duplicate fields fail) into the Go type of its kind.
func decodeAll(manifest string) (map[string]any, error) {
	objs := map[string]any{}
	rd := k8syaml.NewYAMLReader(bufio.NewReader(strings.NewReader(manifest)))
	for {
		doc, err := rd.Read()
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, err
		}
		var head struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Metadata   struct{ Name, Namespace string }
		}
		if err := yaml.Unmarshal(doc, &head); err != nil {
			return nil, fmt.Errorf("%w in\n%s", err, doc)
		}
		if head.Kind == "" { // an empty document (comments only)
			continue
		}
		newT, ok := types[head.APIVersion+" "+head.Kind]
		if !ok {
			return nil, fmt.Errorf("the chart renders %s %s, which the tests have no Go type for", head.APIVersion, head.Kind)
		}
		obj := newT()
		if err := yaml.UnmarshalStrict(doc, obj); err != nil {
			return nil, fmt.Errorf("%s %s does not decode strictly: %w", head.Kind, head.Metadata.Name, err)
		}
		key := head.Kind + "/" + head.Metadata.Name
		if head.Metadata.Namespace != "" && head.Metadata.Namespace != namespace {
			key = head.Kind + "/" + head.Metadata.Namespace + "/" + head.Metadata.Name
		}
		if _, dup := objs[key]; dup {
			return nil, fmt.Errorf("%s is rendered twice", key)
		}
		objs[key] = obj
	}
}

// get returns the object named key, typed, or fails the test.
func get[T any](t *testing.T, r *rendered, key string) T {
	t.Helper()
	o, ok := r.objects[key]
	if !ok {
		t.Fatalf("no %s among %v", key, r.keys())
	}
	v, ok := o.(T)
	if !ok {
		t.Fatalf("%s is a %T", key, o)
	}
	return v
}

func (r *rendered) keys() []string {
	var ks []string
	for k := range r.objects {
		ks = append(ks, k)
	}
	return ks
}
