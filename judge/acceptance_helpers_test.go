package judge

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// The Kayenta acceptance data lives outside the repository, in
// <repo>/../shared/acceptance/kayenta; it is read in place, never copied.
const acceptanceRel = "../../shared/acceptance/kayenta"

// acceptancePassed counts cases that passed, per file; main_test.go prints it.
var acceptancePassed = map[string]*atomic.Int64{
	"classifier_cases.json":  {},
	"mannwhitney_cases.json": {},
	"scorer_cases.json":      {},
	"transform_cases.json":   {},
	"stats_cases.json":       {},
}

// acceptanceRan records whether any acceptance file was read (or skipped).
var acceptanceRan, acceptanceSkipped atomic.Bool

func passed(file string) { acceptancePassed[file].Add(1) }

// loadAcceptance decodes one acceptance file into v. A missing directory
// skips the test locally and fails it in CI.
func loadAcceptance(t *testing.T, file string, v any) {
	t.Helper()
	path := filepath.Join(acceptanceRel, file)
	data, err := os.ReadFile(path)
	acceptanceRan.Store(true)
	if err != nil {
		acceptanceSkipped.Store(true)
		if os.Getenv("CI") == "true" {
			t.Fatalf("kayenta acceptance data missing in CI: %v", err)
		}
		t.Skipf("kayenta acceptance data not found (%v); clone shared/ beside the repository", err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// jf is a float64 that also accepts the string "NaN".
type jf float64

func (f *jf) UnmarshalJSON(b []byte) error {
	if string(b) == `"NaN"` {
		*f = jf(math.NaN())
		return nil
	}
	var x float64
	if err := json.Unmarshal(b, &x); err != nil {
		return err
	}
	*f = jf(x)
	return nil
}

type jfs []jf

func (s jfs) floats() []float64 {
	out := make([]float64, len(s))
	for i, x := range s {
		out[i] = float64(x)
	}
	return out
}

// near reports whether got is within tol of want; NaN matches NaN. A zero
// tolerance means "exact" in the Scala tests; allow 1e-9 of float noise.
func near(got, want, tol float64) bool {
	if math.IsNaN(want) {
		return math.IsNaN(got)
	}
	return math.Abs(got-want) <= max(tol, 1e-9)
}

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
