package judge

import (
	"os"
	"strings"
	"testing"
)

// TestRenderStatesGolden compares the Mermaid diagram with its golden file
// (UPDATE_GOLDEN=1 rewrites it) and checks every allowed transition is drawn.
func TestRenderStatesGolden(t *testing.T) {
	got := RenderStates()
	const golden = "testdata/states.mmd"
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with UPDATE_GOLDEN=1 to create it)", err)
	}
	if got != string(want) {
		t.Fatalf("RenderStates differs from %s:\n%s", golden, got)
	}
	for from, evs := range transitions {
		for ev, tr := range evs {
			if ev == EventAnalysis {
				continue
			}
			if line := string(from) + " --> " + string(tr.To) + ": " + string(ev); !strings.Contains(got, line) {
				t.Errorf("diagram lacks %q", line)
			}
		}
	}
}
