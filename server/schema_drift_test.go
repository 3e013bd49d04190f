package server

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
	promsrc "github.com/canaryjudge/canaryjudge/source/prometheus"
)

// TestRequestSchemasMatchGo: every request the server decodes strictly
// (unknown fields refused) is documented with exactly the Go type's JSON
// fields and additionalProperties false, nested objects included; a field
// the server requires is required in the contract.
func TestRequestSchemasMatchGo(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	body := func(path, method string) *openapi3.Schema {
		op := doc.Paths.Value(path).GetOperation(method)
		return op.RequestBody.Value.Content.Get("application/json").Schema.Value
	}
	schema := func(name string) *openapi3.Schema { return doc.Components.Schemas[name].Value }
	for name, tc := range map[string]struct {
		s        *openapi3.Schema
		v        any
		required []string
	}{
		"Policy":                 {schema("Policy"), judge.Policy{}, []string{"metrics"}},
		"Metric":                 {schema("Metric"), judge.Metric{}, []string{"name", "group", "direction"}},
		"CreateRelease":          {schema("CreateRelease"), engine.CreateReleaseRequest{}, []string{"service", "version", "baseline_version"}},
		"Migration":              {schema("Migration"), judge.Migration{}, []string{"id"}},
		"RunRequest":             {schema("RunRequest"), RunRequest{}, []string{"source", "scope"}},
		"postEvent":              {body("/v1/releases/{id}/events", "POST"), engine.EventRequest{}, []string{"type"}},
		"postOverride":           {body("/v1/releases/{id}/override", "POST"), engine.OverrideRequest{}, []string{"action", "reason"}},
		"putFreeze":              {body("/v1/freezes/{scope}", "PUT"), freezeRequest{}, []string{"reason"}},
		"createToken":            {body("/v1/tokens", "POST"), tokenRequest{}, []string{"name", "scopes"}},
		"checkMigration":         {body("/v1/migrations/check", "POST"), migrationCheckRequest{}, []string{"sql"}},
		"putSource":              {body("/v1/sources/{name}", "PUT"), SourceRequest{}, []string{"type", "config"}},
		"postAnalysis":           {body("/v1/releases/{id}/analyses", "POST"), engine.AnalysisRequest{}, nil},
		"PrometheusSourceConfig": {schema("PrometheusSourceConfig"), promsrc.Config{}, []string{"url"}},
	} {
		t.Run(name, func(t *testing.T) {
			matchType(t, name, tc.s, reflect.TypeOf(tc.v))
			for _, r := range tc.required {
				if !contains(tc.s.Required, r) {
					t.Errorf("%s: %s is required by the server but not by the contract", name, r)
				}
			}
		})
	}
}

// matchType compares a schema's properties with a struct's JSON fields,
// and recurses into nested structs the schema describes inline.
func matchType(t *testing.T, at string, s *openapi3.Schema, typ reflect.Type) {
	t.Helper()
	for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice {
		typ = typ.Elem()
	}
	fields := jsonFields(typ)
	if ap := s.AdditionalProperties; ap.Has == nil || *ap.Has {
		t.Errorf("%s: the server refuses unknown fields; the contract must say additionalProperties: false", at)
	}
	var names []string
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f, ok := fields[n]
		if !ok {
			t.Errorf("%s: the contract documents %q, which the server does not read", at, n)
			continue
		}
		ps := s.Properties[n].Value
		if ps.Items != nil && ps.Items.Value != nil && len(ps.Items.Value.Properties) > 0 {
			ps = ps.Items.Value
		}
		if len(ps.Properties) > 0 && s.Properties[n].Ref == "" {
			matchType(t, at+"."+n, ps, f)
		}
	}
	for n := range fields {
		if _, ok := s.Properties[n]; !ok {
			t.Errorf("%s: the server reads %q, which the contract does not document", at, n)
		}
	}
}

// jsonFields maps a struct's JSON names to their types.
func jsonFields(typ reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	if typ.Kind() != reflect.Struct {
		return out
	}
	for i := range typ.NumField() {
		f := typ.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if f.Anonymous && name == "" {
			for k, v := range jsonFields(f.Type) {
				out[k] = v
			}
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
