// Package openapilint checks canaryjudge's contract the way the issue
// that asked for it was found wanting: kin-openapi's validation with every
// strict option (formats, patterns, examples), then rules of our own that
// a client generated from the contract relies on:
//
//   - every operation has an operationId, a summary, an explicit security
//     (bearer, or [] for an anonymous route) and a success response (but
//     one marked x-not-served, which always answers a problem naming the
//     alternative);
//   - every path parameter has an example;
//   - an operation with a body documents 400, 413 and 415; a secured one
//     401, and 403 when it needs more than the read scope; one with path
//     parameters 404 (not PUT, which creates); every one 503, unless it never reads the store (x-no-store);
//   - every operation says the scope it needs (x-scope: read, judge,
//     operator, admin, or none for an anonymous one);
//   - error responses are problem+json, unless marked x-not-a-problem;
//   - every object schema a request body reaches says whether unknown
//     fields are allowed (additionalProperties false, a schema, or true
//     with an x-tolerant reason);
//   - every component is used.
package openapilint

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// Problem is one finding, located by a JSON-pointer-like path.
type Problem struct {
	At      string
	Message string
}

func (p Problem) String() string { return p.At + ": " + p.Message }

// Lint loads raw (YAML or JSON) and returns every problem, sorted.
func Lint(raw []byte) []Problem {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return []Problem{{At: "/", Message: "does not load: " + err.Error()}}
	}
	var ps []Problem
	if err := doc.Validate(context.Background(), openapi3.EnableSchemaFormatValidation(),
		openapi3.EnableSchemaPatternValidation(), openapi3.EnableExamplesValidation()); err != nil {
		ps = append(ps, Problem{At: "/", Message: "kin-openapi: " + err.Error()})
	}
	l := &linter{doc: doc, used: map[string]bool{}}
	for _, path := range doc.Paths.InMatchingOrder() {
		l.path(path, doc.Paths.Value(path))
	}
	l.unused()
	seen := map[string]bool{}
	for _, p := range l.problems { // a schema reached twice is reported once
		if !seen[p.String()] {
			seen[p.String()] = true
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].String() < ps[j].String() })
	return ps
}

type linter struct {
	// curParams: the path being linted has path parameters of its own.
	curParams bool
	doc       *openapi3.T
	problems  []Problem
	used      map[string]bool // component refs seen
}

func (l *linter) add(at, format string, args ...any) {
	l.problems = append(l.problems, Problem{At: at, Message: fmt.Sprintf(format, args...)})
}

func (l *linter) path(path string, item *openapi3.PathItem) {
	l.curParams = false
	for _, p := range item.Parameters {
		l.param("/paths"+path, p)
		l.curParams = l.curParams || (p.Value != nil && p.Value.In == openapi3.ParameterInPath)
	}
	methods := make([]string, 0)
	for m := range item.Operations() {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	for _, m := range methods {
		l.operation(path, strings.ToLower(m), item.Operations()[m], item)
	}
}

func (l *linter) param(at string, p *openapi3.ParameterRef) {
	if p == nil {
		return
	}
	l.ref(p.Ref)
	if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
		return
	}
	v := p.Value
	if v.Example == nil && len(v.Examples) == 0 && (v.Schema == nil || v.Schema.Value == nil || v.Schema.Value.Example == nil) {
		l.add(at+"/parameters/"+v.Name, "path parameter without an example")
	}
}

func (l *linter) operation(path, method string, op *openapi3.Operation, item *openapi3.PathItem) {
	at := "/paths" + path + "/" + method
	if op.OperationID == "" {
		l.add(at, "no operationId")
	}
	if op.Summary == "" {
		l.add(at, "no summary")
	}
	if op.Security == nil {
		l.add(at, "no security: declare [{bearer: []}], or [] for an anonymous route")
	}
	switch op.Extensions["x-scope"] {
	case "read", "judge", "operator", "admin", "none":
	default:
		l.add(at, "no x-scope (read, judge, operator, admin or none)")
	}
	for _, p := range op.Parameters {
		l.param(at, p)
	}
	l.responses(at, method, op)
	if op.RequestBody != nil {
		l.ref(op.RequestBody.Ref)
		if rb := op.RequestBody.Value; rb != nil {
			for ct, mt := range rb.Content {
				if mt.Schema != nil {
					l.requestSchema(at+"/requestBody/"+ct, mt.Schema, map[*openapi3.Schema]bool{})
				}
			}
		}
	}
}

// pathParams reports whether the operation's path has parameters (the
// linter sets curParams per path).
func (l *linter) pathParams(op *openapi3.Operation) bool {
	if l.curParams {
		return true
	}
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
			return true
		}
	}
	return false
}

func (l *linter) responses(at, method string, op *openapi3.Operation) {
	if op.Responses == nil {
		l.add(at, "no responses")
		return
	}
	has := func(code string) bool { return op.Responses.Value(code) != nil }
	ok := false
	for code, r := range op.Responses.Map() {
		l.ref(r.Ref)
		n, _ := strconv.Atoi(code)
		if n >= 200 && n < 300 {
			ok = true
		}
		if n >= 400 && r.Value != nil && r.Value.Extensions["x-not-a-problem"] == nil && r.Value.Content.Get("application/problem+json") == nil {
			l.add(at+"/responses/"+code, "an error response that is not application/problem+json")
		}
		if r.Value != nil {
			for _, mt := range r.Value.Content {
				l.schemaRefs(mt.Schema, map[*openapi3.Schema]bool{})
			}
		}
	}
	if !ok && op.Extensions["x-not-served"] == nil {
		l.add(at, "no 2xx response")
	}
	var need []string
	if op.RequestBody != nil {
		need = append(need, "400", "413", "415")
	}
	params := l.pathParams(op)
	if op.Security != nil && len(*op.Security) > 0 {
		need = append(need, "401") // no token, or a bad one
		// A scope beyond read can be refused to a token.
		if scope, _ := op.Extensions["x-scope"].(string); scope != "read" && scope != "none" {
			need = append(need, "403")
		}
	}
	if params && method != "put" { // PUT creates what the path names
		need = append(need, "404")
	}
	if op.Extensions["x-no-store"] == nil {
		need = append(need, "503")
	}
	for _, code := range need {
		if !has(code) {
			l.add(at+"/responses", "does not document %s", code)
		}
	}
}
