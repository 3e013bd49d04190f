package clienttest

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/argoproj/argo-rollouts/pkg/apis/rollouts/v1alpha1"
	flaggerv1 "github.com/fluxcd/flagger/pkg/apis/flagger/v1beta1"
	"sigs.k8s.io/yaml"
)

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// manifest returns the YAML document of docs/integrations/<doc> whose
// metadata.name is name, with replacements applied (old, new, ...), decoded
// into v.
func manifest(t *testing.T, doc, name string, v any, replace ...string) {
	t.Helper()
	raw, err := os.ReadFile("../../docs/integrations/" + doc)
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range yamlBlock.FindAllStringSubmatch(string(raw), -1) {
		for _, d := range strings.Split(block[1], "\n---\n") {
			var meta struct {
				Metadata struct{ Name string }
			}
			if yaml.Unmarshal([]byte(d), &meta) != nil || meta.Metadata.Name != name {
				continue
			}
			d = strings.NewReplacer(replace...).Replace(d)
			if err := yaml.UnmarshalStrict([]byte(d), v); err != nil {
				t.Fatalf("%s: %s does not decode strictly: %v", doc, name, err)
			}
			return
		}
	}
	t.Fatalf("%s has no YAML document named %s", doc, name)
}

// TestDocumentedManifestsDecode: every manifest in the docs decodes
// strictly as the tool's own type (a misspelt field would fail here).
func TestDocumentedManifestsDecode(t *testing.T) {
	for doc, names := range map[string][]string{
		"flagger.md":       {"podinfo", "checkout"},
		"argo-rollouts.md": {"canaryjudge-kayenta", "canaryjudge-decision", "canaryjudge-promotion-gate"},
	} {
		for _, name := range names {
			if doc == "flagger.md" {
				var c flaggerv1.Canary
				manifest(t, doc, name, &c)
				if len(c.GetAnalysis().Webhooks) == 0 {
					t.Errorf("%s: %s has no webhooks", doc, name)
				}
				continue
			}
			var tmpl v1alpha1.AnalysisTemplate
			manifest(t, doc, name, &tmpl)
			if len(tmpl.Spec.Metrics) == 0 {
				t.Errorf("%s: %s has no metrics", doc, name)
			}
		}
	}
}
