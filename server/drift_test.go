package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// TestContractDrift: every route the router serves is in openapi.yaml, and
// every operation openapi.yaml documents is a route the router serves
// (path parameters compared by position, not name).
func TestContractDrift(t *testing.T) {
	s := New(Config{OpenAPI: canaryjudge.OpenAPI}, Deps{Store: memory.New()})
	served := map[string]bool{}
	err := chi.Walk(s.router, func(method, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		if route == "/ui" || strings.HasPrefix(route, "/ui/") {
			return nil // the web UI (HTML, its own router) is not part of the API contract
		}
		served[method+" "+pathParam.ReplaceAllString(route, "{}")] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented[method+" "+pathParam.ReplaceAllString(path, "{}")] = true
		}
	}
	if len(served) < 20 {
		t.Fatalf("the walk found only %d routes", len(served))
	}
	for _, r := range slices.Sorted(maps.Keys(served)) {
		if !documented[r] {
			t.Errorf("the router serves %s, which openapi.yaml does not document", r)
		}
	}
	for _, r := range slices.Sorted(maps.Keys(documented)) {
		if !served[r] {
			t.Errorf("openapi.yaml documents %s, which the router does not serve", r)
		}
	}
}

// TestContractSecurity: each operation's security and x-scope are what
// the server enforces with authentication on: an anonymous operation
// answers without a token; any other is 401 without one; one that needs
// more than the read scope is 403 for a read-only token, and one that
// needs read is not.
func TestContractSecurity(t *testing.T) {
	const admin = "contract-admin-token-0123456789abcdef"
	s := New(Config{OpenAPI: canaryjudge.OpenAPI, Auth: true, AdminTokenHash: HashToken(admin)}, Deps{Store: memory.New()})
	do := func(method, path, token string) int {
		var body io.Reader
		if method == http.MethodPost || method == http.MethodPut {
			body = strings.NewReader(`{}`)
		}
		r := httptest.NewRequest(method, path, body)
		if body != nil {
			r.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w.Code
	}
	r := httptest.NewRequest(http.MethodPost, "/v1/tokens", strings.NewReader(`{"name":"reader","scopes":["read"]}`))
	r.Header.Set("Content-Type", "application/json")
	r.Header.Set("Authorization", "Bearer "+admin)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	var tok struct{ Token string }
	if err := json.Unmarshal(w.Body.Bytes(), &tok); err != nil || tok.Token == "" {
		t.Fatalf("create a read token: %d %s", w.Code, w.Body)
	}
	doc, err := openapi3.NewLoader().LoadFromData(canaryjudge.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		concrete := examplePath(t, path, item)
		for method, op := range item.Operations() {
			scope, _ := op.Extensions["x-scope"].(string)
			at := method + " " + path
			switch {
			case op.Security == nil:
				t.Errorf("%s: no security", at)
			case len(*op.Security) == 0:
				if scope != "none" {
					t.Errorf("%s: anonymous, but x-scope %q", at, scope)
				}
				if got := do(method, concrete, ""); got == http.StatusUnauthorized {
					t.Errorf("%s: documented anonymous, answered 401 without a token", at)
				}
			default:
				if got := do(method, concrete, ""); got != http.StatusUnauthorized {
					t.Errorf("%s: documented as needing a token, answered %d without one", at, got)
				}
				got := do(method, concrete, tok.Token)
				if scope == "read" && (got == http.StatusUnauthorized || got == http.StatusForbidden) {
					t.Errorf("%s: x-scope read, but a read token got %d", at, got)
				}
				if scope != "read" && got != http.StatusForbidden {
					t.Errorf("%s: x-scope %q, but a read-only token got %d, want 403", at, scope, got)
				}
			}
			checked++
		}
	}
	if checked < 40 {
		t.Fatalf("checked only %d operations", checked)
	}
}

// examplePath fills a path's parameters with their examples.
func examplePath(t *testing.T, path string, item *openapi3.PathItem) string {
	t.Helper()
	params := item.Parameters
	for _, op := range item.Operations() {
		params = append(params, op.Parameters...)
	}
	return pathParam.ReplaceAllStringFunc(path, func(m string) string {
		name := strings.Trim(m, "{}")
		for _, p := range params {
			if p.Value != nil && p.Value.Name == name && p.Value.In == openapi3.ParameterInPath {
				ex := p.Value.Example
				if ex == nil && p.Value.Schema != nil {
					ex = p.Value.Schema.Value.Example
				}
				if ex != nil {
					return url.PathEscape(fmt.Sprint(ex))
				}
			}
		}
		t.Errorf("%s: parameter %s has no example", path, name)
		return "x"
	})
}
