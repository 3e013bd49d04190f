package outbox_test

import (
	"go/build"
	"path/filepath"
	"strings"
	"testing"
)

const module = "github.com/canaryjudge/canaryjudge/"

// TestStorageDoesNotImportDelivery: the leaf and the stores never depend,
// directly or not, on notify (HTTP delivery): dependencies point inward.
func TestStorageDoesNotImportDelivery(t *testing.T) {
	for _, pkg := range []string{"outbox", "store", "store/memory", "store/postgres"} {
		seen := map[string]bool{}
		walk(t, pkg, seen)
		if seen["notify"] {
			t.Errorf("%s imports notify (directly or through another package of this module)", pkg)
		}
	}
}

// walk records every package of this module that pkg (a path relative to
// the module root) imports, transitively, in non-test files.
func walk(t *testing.T, pkg string, seen map[string]bool) {
	t.Helper()
	p, err := build.ImportDir(filepath.Join("..", filepath.FromSlash(pkg)), 0)
	if err != nil {
		t.Fatalf("%s: %v", pkg, err)
	}
	for _, imp := range p.Imports {
		rel, ok := strings.CutPrefix(imp, module)
		if !ok || seen[rel] {
			continue
		}
		seen[rel] = true
		walk(t, rel, seen)
	}
}
