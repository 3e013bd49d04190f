package backends

import (
	"encoding/json"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/source/cloudwatch"
	"github.com/canaryjudge/canaryjudge/source/datadog"
	"github.com/canaryjudge/canaryjudge/source/graphite"
	"github.com/canaryjudge/canaryjudge/source/influxdb"
	"github.com/canaryjudge/canaryjudge/source/newrelic"
	"github.com/canaryjudge/canaryjudge/source/prometheus"
	"github.com/canaryjudge/canaryjudge/source/web"
)

// configs are each backend's Go document and its schema in the contract.
var configs = map[string]struct {
	schema string
	v      any
}{
	"prometheus": {"PrometheusSourceConfig", prometheus.Config{}},
	"datadog":    {"DatadogSourceConfig", datadog.Config{}},
	"cloudwatch": {"CloudWatchSourceConfig", cloudwatch.Config{}},
	"newrelic":   {"NewRelicSourceConfig", newrelic.Config{}},
	"influxdb":   {"InfluxDBSourceConfig", influxdb.Config{}},
	"graphite":   {"GraphiteSourceConfig", graphite.Config{}},
	"web":        {"WebSourceConfig", web.Config{}},
}

func contract(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// TestConfigSchemasMatchGo: every backend's document is in the contract
// with exactly its Go type's JSON fields (nested objects included),
// unknown fields refused, and PUT /v1/sources names every type.
func TestConfigSchemasMatchGo(t *testing.T) {
	doc := contract(t)
	body := doc.Paths.Value("/v1/sources/{name}").Put.RequestBody.Value.Content.Get("application/json").Schema.Value
	var types []string
	for _, e := range body.Properties["type"].Value.Enum {
		types = append(types, e.(string))
	}
	for name, c := range configs {
		if !slices.Contains(types, name) {
			t.Errorf("PUT /v1/sources does not list type %s", name)
		}
		s := doc.Components.Schemas[c.schema]
		if s == nil {
			t.Errorf("%s: no schema %s", name, c.schema)
			continue
		}
		match(t, c.schema, s.Value, reflect.TypeOf(c.v))
	}
	if len(types) != len(All()) {
		t.Errorf("PUT /v1/sources lists %v, the build has %d backends", types, len(All()))
	}
}

func match(t *testing.T, at string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	if s.AdditionalProperties.Has == nil || *s.AdditionalProperties.Has {
		t.Errorf("%s: must say additionalProperties: false (unknown fields are refused)", at)
	}
	fields := jsonFields(typ)
	for n, p := range s.Properties {
		f, ok := fields[n]
		if !ok {
			t.Errorf("%s: documents %q, which the backend does not read", at, n)
			continue
		}
		if len(p.Value.Properties) > 0 {
			match(t, at+"."+n, p.Value, f)
		}
	}
	for n := range fields {
		if _, ok := s.Properties[n]; !ok {
			t.Errorf("%s: the backend reads %q, which the contract does not document", at, n)
		}
	}
}

func jsonFields(typ reflect.Type) map[string]reflect.Type {
	for typ.Kind() == reflect.Pointer {
		typ = typ.Elem()
	}
	out := map[string]reflect.Type{}
	if typ.Kind() != reflect.Struct {
		return out
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if f.IsExported() && name != "-" {
			out[name] = f.Type
		}
	}
	return out
}

// docExample is a backend's configuration example in docs/sources.md: a
// ```json block right after a "### type" heading's "Configuration:" line.
var docExample = regexp.MustCompile("(?s)### ([a-z]+)\n.*?Configuration:\n\n```json\n(.*?)\n```")

// TestDocExamples: each backend's example in docs/sources.md is a valid
// PUT /v1/sources body (against the contract) that its backend accepts,
// and its credentials read back as "(set)".
func TestDocExamples(t *testing.T) {
	b, err := os.ReadFile("../../docs/sources.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := contract(t)
	body := doc.Paths.Value("/v1/sources/{name}").Put.RequestBody.Value.Content.Get("application/json").Schema.Value
	seen := map[string]bool{}
	for _, m := range docExample.FindAllStringSubmatch(string(b), -1) {
		typ, raw := m[1], m[2]
		seen[typ] = true
		var v any
		if err := json.Unmarshal([]byte(raw), &v); err != nil {
			t.Fatalf("%s example: %v", typ, err)
		}
		if err := body.VisitJSON(v); err != nil {
			t.Errorf("%s example does not match the contract: %v", typ, err)
		}
		var req struct {
			Type   string
			Config json.RawMessage
		}
		_ = json.Unmarshal([]byte(raw), &req)
		be := All()[req.Type]
		if req.Type != typ || be == nil {
			t.Errorf("%s example has type %q", typ, req.Type)
			continue
		}
		cfg, err := be.Validate(req.Config, nil)
		if err != nil {
			t.Errorf("%s example refused: %v", typ, err)
			continue
		}
		red := string(be.Redact(cfg))
		for _, secret := range secrets(req.Config) {
			if strings.Contains(red, secret) || !strings.Contains(red, `"(set)"`) {
				t.Errorf("%s example redacted to %s: want every credential (written as ...secret... in the docs) read back as (set)", typ, red)
			}
		}
	}
	for typ := range All() {
		if !seen[typ] {
			t.Errorf("docs/sources.md has no configuration example for %s", typ)
		}
	}
}

// secrets are a document's string values that contain "secret" (how the
// docs write credentials).
func secrets(raw json.RawMessage) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, c := range x {
				walk(c)
			}
		case string:
			if strings.Contains(x, "secret") {
				out = append(out, x)
			}
		}
	}
	var v any
	_ = json.Unmarshal(raw, &v)
	walk(v)
	return out
}
