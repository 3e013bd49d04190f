package charttest

import (
	"strings"
	"testing"
	"time"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
)

func deployment(t *testing.T, r *rendered) *appsv1.Deployment {
	t.Helper()
	return get[*appsv1.Deployment](t, r, "Deployment/canaryjudge")
}

func hasEnvFromSecret(d *appsv1.Deployment, env, secret, key string) bool {
	for _, e := range d.Spec.Template.Spec.Containers[0].Env {
		if e.Name == env && e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
			ref := e.ValueFrom.SecretKeyRef
			return ref.Name == secret && ref.Key == key
		}
	}
	return false
}

// selects fails the test unless sel selects the Deployment's pods.
func selects(t *testing.T, what string, sel *metav1.LabelSelector, d *appsv1.Deployment) {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil || s.Empty() {
		t.Errorf("%s: selector %v is empty or invalid (%v)", what, sel, err)
		return
	}
	if !s.Matches(labels.Set(d.Spec.Template.Labels)) {
		t.Errorf("%s: selector %v does not select the pods (labels %v)", what, sel, d.Spec.Template.Labels)
	}
}

// TestPolicies: for every value set, the rules a platform team's admission
// policies check (probes, a restricted security context, an immutable
// image, resources, graceful termination) and the selectors that tie the
// objects to the Deployment's pods.
func TestPolicies(t *testing.T) {
	for _, vs := range valueSets {
		t.Run(vs.name, func(t *testing.T) {
			r := mustRender(t, vs.values)
			d := deployment(t, r)
			checkPod(t, d)
			selects(t, "Deployment", d.Spec.Selector, d)
			pdb := get[*policyv1.PodDisruptionBudget](t, r, "PodDisruptionBudget/canaryjudge")
			selects(t, "PodDisruptionBudget", pdb.Spec.Selector, d)
			svc := get[*corev1.Service](t, r, "Service/canaryjudge")
			checkService(t, svc, d)
			for _, c := range d.Spec.Template.Spec.TopologySpreadConstraints {
				selects(t, "topology spread "+c.TopologyKey, c.LabelSelector, d)
			}
			if np, ok := r.objects["NetworkPolicy/canaryjudge"].(*networkingv1.NetworkPolicy); ok {
				selects(t, "NetworkPolicy", &np.Spec.PodSelector, d)
			}
			if sm, ok := r.objects["ServiceMonitor/canaryjudge"].(*monitoringv1.ServiceMonitor); ok {
				checkServiceMonitor(t, sm, svc)
			}
			checkNames(t, r)
		})
	}
}

func checkPod(t *testing.T, d *appsv1.Deployment) {
	t.Helper()
	pod := d.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("%d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	for name, p := range map[string]*corev1.Probe{"/readyz": c.ReadinessProbe, "/healthz": c.LivenessProbe} {
		if p == nil || p.HTTPGet == nil || p.HTTPGet.Path != name || p.HTTPGet.Port != intstr.FromString("http") {
			t.Errorf("probe on %s: %+v", name, p)
		}
	}
	if len(c.Ports) != 1 || c.Ports[0].Name != "http" || c.Ports[0].ContainerPort != 8080 {
		t.Errorf("ports %+v, want http on 8080", c.Ports)
	}
	psc, sc := pod.SecurityContext, c.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot || psc.RunAsUser == nil || *psc.RunAsUser == 0 ||
		psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Errorf("pod security context %+v: want non-root, a non-zero uid, seccomp RuntimeDefault", psc)
	}
	if sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem || sc.Capabilities == nil ||
		len(sc.Capabilities.Drop) != 1 || sc.Capabilities.Drop[0] != "ALL" || len(sc.Capabilities.Add) > 0 ||
		(sc.Privileged != nil && *sc.Privileged) {
		t.Errorf("container security context %+v: want no privilege escalation, read-only root, all capabilities dropped", sc)
	}
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Errorf("the service account token is mounted; canaryjudge calls no Kubernetes API")
	}
	repo, tag, ok := strings.Cut(c.Image, ":")
	if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "/") || repo == "" {
		t.Errorf("image %q: want repository:tag with a fixed tag", c.Image)
	}
	req, lim := c.Resources.Requests, c.Resources.Limits
	if req.Cpu().IsZero() || req.Memory().IsZero() || lim.Memory().IsZero() || lim.Memory().Cmp(*req.Memory()) < 0 {
		t.Errorf("resources %+v: want cpu and memory requests and a memory limit at least the request", c.Resources)
	}
	checkTermination(t, pod, c)
}

// checkTermination: the kubelet's grace period covers the preStop sleep
// plus the server's own --shutdown-timeout, so in-flight requests finish.
func checkTermination(t *testing.T, pod corev1.PodSpec, c corev1.Container) {
	t.Helper()
	var shutdown time.Duration
	for _, a := range c.Args {
		if v, ok := strings.CutPrefix(a, "--shutdown-timeout="); ok {
			shutdown, _ = time.ParseDuration(v)
		}
	}
	if shutdown <= 0 {
		t.Fatalf("args %v set no --shutdown-timeout", c.Args)
	}
	var sleep time.Duration
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil && c.Lifecycle.PreStop.Sleep != nil {
		sleep = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	if sleep == 0 {
		t.Errorf("no preStop sleep: new requests still routed to a stopping pod would be refused")
	}
	var grace time.Duration
	if pod.TerminationGracePeriodSeconds != nil {
		grace = time.Duration(*pod.TerminationGracePeriodSeconds) * time.Second
	}
	if grace <= sleep+shutdown {
		t.Errorf("terminationGracePeriodSeconds %s must exceed preStop %s + shutdown timeout %s", grace, sleep, shutdown)
	}
}

func checkService(t *testing.T, svc *corev1.Service, d *appsv1.Deployment) {
	t.Helper()
	selects(t, "Service", &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, d)
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].TargetPort != intstr.FromString(d.Spec.Template.Spec.Containers[0].Ports[0].Name) {
		t.Errorf("Service ports %+v do not target the container's port", svc.Spec.Ports)
	}
}

func checkServiceMonitor(t *testing.T, sm *monitoringv1.ServiceMonitor, svc *corev1.Service) {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(&sm.Spec.Selector)
	if err != nil || s.Empty() || !s.Matches(labels.Set(svc.Labels)) {
		t.Errorf("ServiceMonitor selector %v does not select the Service (labels %v)", sm.Spec.Selector, svc.Labels)
	}
	if len(sm.Spec.Endpoints) != 1 || sm.Spec.Endpoints[0].Port != svc.Spec.Ports[0].Name || sm.Spec.Endpoints[0].Path != "/metrics" {
		t.Errorf("ServiceMonitor endpoints %+v: want the Service's port, /metrics", sm.Spec.Endpoints)
	}
}

// checkNames: names and labels the API server would accept.
func checkNames(t *testing.T, r *rendered) {
	t.Helper()
	for key, o := range r.objects {
		m := o.(metav1.ObjectMetaAccessor).GetObjectMeta()
		if errs := validation.IsDNS1123Subdomain(m.GetName()); len(errs) > 0 {
			t.Errorf("%s: name: %v", key, errs)
		}
		for k, v := range m.GetLabels() {
			if errs := append(validation.IsQualifiedName(k), validation.IsValidLabelValue(v)...); len(errs) > 0 {
				t.Errorf("%s: label %s=%s: %v", key, k, v, errs)
			}
		}
	}
}
