package judge

import (
	"fmt"
	"os"
	"testing"
)

// TestMain prints how many Kayenta acceptance cases passed, per file. The
// line is visible in `go test` run in this directory, with -v, and in -json
// output; `go test ./...` hides the output of passing packages.
func TestMain(m *testing.M) {
	code := m.Run()
	if !acceptanceRan.Load() {
		os.Exit(code)
	}
	if acceptanceSkipped.Load() {
		fmt.Printf("kayenta acceptance: data not found in %s, some cases skipped\n", acceptanceRel)
	}
	total, parts := int64(0), ""
	for _, f := range []string{"classifier_cases.json", "mannwhitney_cases.json", "scorer_cases.json", "transform_cases.json", "stats_cases.json"} {
		n := acceptancePassed[f].Load()
		total += n
		parts += fmt.Sprintf(" %s=%d", f, n)
	}
	fmt.Printf("kayenta acceptance: %d cases passed (%s)\n", total, parts[1:])
	os.Exit(code)
}
