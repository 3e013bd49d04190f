package server

import (
	"context"
	"net/http"
	"regexp"
	"sort"
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
	for _, r := range sortedRoutes(served) {
		if !documented[r] {
			t.Errorf("the router serves %s, which openapi.yaml does not document", r)
		}
	}
	for _, r := range sortedRoutes(documented) {
		if !served[r] {
			t.Errorf("openapi.yaml documents %s, which the router does not serve", r)
		}
	}
}

func sortedRoutes(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
