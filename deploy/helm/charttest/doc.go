// Package charttest checks the Helm chart deploy/helm/canaryjudge offline
// with Helm's own Go SDK (helm.sh/helm/v4): action.Install in client-only
// dry-run mode renders it (values.schema.json validated as `helm install`
// does) and the lint action lints it, for the default values and several
// value sets. Every rendered object is decoded strictly (unknown fields
// fail) into its Go type: Kubernetes' own (k8s.io/api), the Prometheus
// Operator's ServiceMonitor, Argo Rollouts' AnalysisTemplate (v1.8.3) and
// Flagger's MetricTemplate (v1.36.1), the versions integrations/clienttest
// runs. Policy checks (probes, security context, resources, selectors)
// are tests on those typed objects.
//
// It is a module of its own so that canaryjudge's module does not depend
// on Helm or Kubernetes. Run it with
//
//	cd deploy/helm/charttest && go test -count=1 ./...
package charttest
