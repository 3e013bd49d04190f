package openapilint

import (
	"strings"
	"testing"
)

const base = `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}, example: t1}
    post:
      operationId: postThing
      summary: make a thing
      security: [{bearer: []}]
      x-scope: judge
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, additionalProperties: false, properties: {name: {type: string}}}
      responses:
        "200": {description: ok}
        "400": {$ref: "#/components/responses/Problem"}
        "401": {$ref: "#/components/responses/Problem"}
        "403": {$ref: "#/components/responses/Problem"}
        "404": {$ref: "#/components/responses/Problem"}
        "413": {$ref: "#/components/responses/Problem"}
        "415": {$ref: "#/components/responses/Problem"}
        "503": {$ref: "#/components/responses/Problem"}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  responses:
    Problem:
      description: problem
      content:
        application/problem+json:
          schema: {type: object}
`

// Each rule finds what it is for, and a clean document has no problem.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		name, old, new, want string
	}{
		{"clean", "", "", ""},
		{"no operationId", "      operationId: postThing\n", "", "no operationId"},
		{"no summary", "      summary: make a thing\n", "", "no summary"},
		{"no security", "      security: [{bearer: []}]\n", "", "no security"},
		{"no x-scope", "      x-scope: judge\n", "", "no x-scope"},
		{"no example", ", example: t1}", "}", "path parameter without an example"},
		{"413 missing", `        "413": {$ref: "#/components/responses/Problem"}` + "\n", "", "does not document 413"},
		{"401 missing", `        "401": {$ref: "#/components/responses/Problem"}` + "\n", "", "does not document 401"},
		{"403 missing", `        "403": {$ref: "#/components/responses/Problem"}` + "\n", "", "does not document 403"},
		{"404 missing", `        "404": {$ref: "#/components/responses/Problem"}` + "\n", "", "does not document 404"},
		{"503 missing", `        "503": {$ref: "#/components/responses/Problem"}` + "\n", "", "does not document 503"},
		{"lax body", "additionalProperties: false, ", "", "request object without additionalProperties"},
		{"tolerant without reason", "additionalProperties: false, ", "additionalProperties: true, ", "without an x-tolerant reason"},
		{"tolerant with reason", "additionalProperties: false, ", "additionalProperties: true, x-tolerant: a tool may add fields, ", ""},
		{"error not a problem", `        "400": {$ref: "#/components/responses/Problem"}`, `        "400": {description: bad}`, "not application/problem+json"},
		{"unused component", "components:\n", "components:\n  schemas:\n    Unused: {type: string}\n", "unused component"},
		{"bad example", "example: t1}", "example: 7}", "kin-openapi"},
		{"no 2xx", `        "200": {description: ok}` + "\n", "", "no 2xx response"},
		{"not served", "      x-scope: judge\n", "      x-scope: judge\n      x-not-served: true\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := base
			if tc.name == "not served" { // an operation that never succeeds, marked so
				doc = strings.Replace(doc, `        "200": {description: ok}`+"\n", "", 1)
			}
			if tc.old != "" {
				if !strings.Contains(doc, tc.old) {
					t.Fatalf("the base document lacks %q", tc.old)
				}
				doc = strings.Replace(doc, tc.old, tc.new, 1)
			}
			var got []string
			for _, p := range Lint([]byte(doc)) {
				got = append(got, p.String())
			}
			all := strings.Join(got, "\n")
			if tc.want == "" && len(got) > 0 || tc.want != "" && !strings.Contains(all, tc.want) {
				t.Fatalf("problems:\n%s\nwant %q", all, tc.want)
			}
		})
	}
}
