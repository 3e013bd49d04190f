package openapilint

import (
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// requestSchema checks every object schema a request body reaches.
func (l *linter) requestSchema(at string, ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	l.ref(ref.Ref)
	if ref.Ref != "" {
		at = ref.Ref
	}
	s := ref.Value
	seen[s] = true
	if s.Type.Is("object") || len(s.Properties) > 0 {
		ap := s.AdditionalProperties
		switch {
		case ap.Has == nil && ap.Schema == nil:
			l.add(at, "request object without additionalProperties: say false (strict), a schema, or true with x-tolerant")
		case ap.Has != nil && *ap.Has && s.Extensions["x-tolerant"] == nil:
			l.add(at, "additionalProperties: true without an x-tolerant reason")
		}
	}
	for name, p := range s.Properties {
		l.requestSchema(at+"/properties/"+name, p, seen)
	}
	l.requestSchema(at+"/items", s.Items, seen)
	l.requestSchema(at+"/additionalProperties", s.AdditionalProperties.Schema, seen)
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			l.requestSchema(at, sub, seen)
		}
	}
}

// schemaRefs marks the components a schema reaches as used.
func (l *linter) schemaRefs(ref *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) {
	if ref == nil || ref.Value == nil || seen[ref.Value] {
		return
	}
	l.ref(ref.Ref)
	seen[ref.Value] = true
	s := ref.Value
	for _, p := range s.Properties {
		l.schemaRefs(p, seen)
	}
	l.schemaRefs(s.Items, seen)
	l.schemaRefs(s.AdditionalProperties.Schema, seen)
	for _, group := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
		for _, sub := range group {
			l.schemaRefs(sub, seen)
		}
	}
}

func (l *linter) ref(ref string) {
	if strings.HasPrefix(ref, "#/components/") {
		l.used[ref] = true
	}
}

// unused reports components nothing refers to.
func (l *linter) unused() {
	c := l.doc.Components
	if c == nil {
		return
	}
	for name, s := range c.Schemas {
		// Schemas refer to schemas: walk every used one first.
		if l.used["#/components/schemas/"+name] {
			l.schemaRefs(s, map[*openapi3.Schema]bool{})
		}
	}
	for _, rb := range c.RequestBodies {
		for _, mt := range rb.Value.Content {
			l.schemaRefs(mt.Schema, map[*openapi3.Schema]bool{})
		}
	}
	for _, r := range c.Responses {
		for _, mt := range r.Value.Content {
			l.schemaRefs(mt.Schema, map[*openapi3.Schema]bool{})
		}
	}
	check := func(kind string, names []string) {
		for _, n := range names {
			if ref := "#/components/" + kind + "/" + n; !l.used[ref] {
				l.add(ref, "unused component")
			}
		}
	}
	check("schemas", keys(c.Schemas))
	check("parameters", keys(c.Parameters))
	check("responses", keys(c.Responses))
	check("requestBodies", keys(c.RequestBodies))
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
