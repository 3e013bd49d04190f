package openapilint

import (
	"testing"

	"github.com/canaryjudge/canaryjudge"
)

// TestContractIsClean: openapi.yaml has no problem at all.
func TestContractIsClean(t *testing.T) {
	ps := Lint(canaryjudge.OpenAPI)
	for _, p := range ps {
		t.Error(p)
	}
	t.Logf("openapilint: %d problem(s) in openapi.yaml", len(ps))
}
