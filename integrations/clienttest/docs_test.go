package clienttest

import (
	"os"
	"regexp"
	"strings"
	"testing"

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
