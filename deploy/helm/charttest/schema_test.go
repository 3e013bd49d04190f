package charttest

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestSchemaRejects: values.schema.json refuses wrong types, unknown keys
// and values canaryjudge would refuse at start, before anything is
// rendered, naming the value; the templates refuse combinations that
// would deploy something broken.
func TestSchemaRejects(t *testing.T) {
	for _, c := range []struct{ values, want string }{
		{`replicaCount: "two"`, "/replicaCount"},
		{`replicaCount: 0`, "/replicaCount"},
		{`image: {tag: 5}`, "/image/tag"},
		{`image: {tag: latest}`, "/image/tag"},
		{`image: {pullPolicy: Sometimes}`, "/image/pullPolicy"},
		{`database: {inMemory: "yes"}`, "/database/inMemory"},
		{`database: {url: "mysql://x"}`, "/database/url"},
		{`database: {existingSecret: {name: db, key: ""}}`, "/database/existingSecret/key"},
		{`auth: {adminToken: {value: short}}`, "/auth/adminToken/value"},
		{`server: {logLevel: verbose}`, "/server/logLevel"},
		{`server: {shutdownTimeoutSeconds: 20s}`, "/server/shutdownTimeoutSeconds"},
		{`server: {gogc: 5}`, "/server/gogc"},
		{`server: {gogc: "off"}`, "/server/gogc"},
		{`resources: {requests: {memory: 128}}`, "/resources/requests/memory"},
		{`service: {port: 70000}`, "/service/port"},
		{`serviceMonitor: {interval: soon}`, "/serviceMonitor/interval"},
		{`argoRollouts: {enabled: true, namespaces: [Shop]}`, "/argoRollouts/namespaces/0"},
		{`argoRollouts: {kayenta: {pass: 120}}`, "/argoRollouts/kayenta/pass"},
		{`networkPolicy: {egress: {database: {to: []}}}`, "/networkPolicy/egress/database"},
		{`replicas: 2`, "replicas"}, // a misspelt key
		{`ingress: {enabled: true, hosts: [{host: a.example, paths: [{path: x, pathType: Prefix}]}]}`, "/ingress/hosts/0/paths/0/path"},
	} {
		_, err := render(c.values)
		if err == nil {
			t.Errorf("%s: installed; want the schema to refuse it", c.values)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "schema") || !strings.Contains(msg, c.want) {
			t.Errorf("%s: %v\nwant a schema error naming %s", c.values, err, c.want)
		}
	}
}

func TestTemplatesRefuse(t *testing.T) {
	for _, c := range []struct{ values, want string }{
		{`database: {inMemory: true}`, "set replicaCount=1"},
		{`database: {inMemory: true, url: "postgres://db/x"}` + "\nreplicaCount: 1", "choose one"},
		{`terminationGracePeriodSeconds: 25`, "must be longer than"},
		{`database: {existingSecret: {name: ""}}`, "database.existingSecret.name"},
	} {
		_, err := render(c.values)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant an error saying %q", c.values, err, c.want)
		}
	}
}

// TestSecretsWired: DATABASE_URL and the admin token come from the Secret
// the values name, or from the one the chart creates with the value given;
// a generated admin token is long enough for canaryjudge to accept.
func TestSecretsWired(t *testing.T) {
	r := mustRender(t, "")
	d := deployment(t, r)
	if !hasEnvFromSecret(d, "CANARYJUDGE_ADMIN_TOKEN", "canaryjudge-admin-token", "token") {
		t.Errorf("the admin token does not come from the chart's Secret")
	}
	if tok := get[*corev1.Secret](t, r, "Secret/canaryjudge-admin-token").StringData["token"]; len(tok) < 32 {
		t.Errorf("generated admin token %q: want at least 32 characters", tok)
	}

	r = mustRender(t, valueSets[1].values) // external secrets
	d = deployment(t, r)
	if !hasEnvFromSecret(d, "DATABASE_URL", "prod-db", "DATABASE_URL") || !hasEnvFromSecret(d, "CANARYJUDGE_ADMIN_TOKEN", "prod-admin", "admin") {
		t.Errorf("external secrets not used: %+v", d.Spec.Template.Spec.Containers[0].Env)
	}

	r = mustRender(t, valueSets[2].values) // values that create Secrets
	d = deployment(t, r)
	db := get[*corev1.Secret](t, r, "Secret/canaryjudge-database")
	admin := get[*corev1.Secret](t, r, "Secret/canaryjudge-admin-token")
	if !hasEnvFromSecret(d, "DATABASE_URL", db.Name, "url") || !strings.HasPrefix(db.StringData["url"], "postgres://canaryjudge:pw@db.prod") {
		t.Errorf("DATABASE_URL not wired to the created Secret %+v", db.StringData)
	}
	if admin.StringData["token"] != "0123456789abcdef0123456789abcdef-admin" {
		t.Errorf("admin token Secret %+v, want the value given", admin.StringData)
	}
	if d.Spec.Template.Annotations["checksum/values-secrets"] == deployment(t, mustRender(t, "")).Spec.Template.Annotations["checksum/values-secrets"] {
		t.Errorf("changing the secrets' values does not change the pod template: pods would keep the old ones")
	}
}
