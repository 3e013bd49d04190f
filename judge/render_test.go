package judge

import (
	"strings"
	"testing"
)

// The trigger table is pinned by golden files (go test -update rewrites them).
func TestRenderTriggersGolden(t *testing.T) {
	for _, tt := range []struct{ policy, golden string }{
		{"policy.yaml", "triggers.golden.md"},
		{"policy_kayenta.json", "triggers_kayenta.golden.md"},
	} {
		t.Run(tt.policy, func(t *testing.T) {
			p, err := ParsePolicy(readTestdata(t, tt.policy))
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, []byte(RenderTriggers(p)))
		})
	}
}

func TestRenderTriggersEscapes(t *testing.T) {
	p := DefaultPolicy()
	p.Version = 7
	p.Metrics = []Metric{
		{Name: "errors", Group: "g", Direction: DirEither, Query: "rate(x{code=~\"5..|429\"}[1m])\n  / rate(y[1m])"},
		{Name: "tick", Group: "g", Direction: DirIncrease, Query: "a `b` c"},
	}
	out := RenderTriggers(p)
	for _, want := range []string{
		"policy version 7",
		"| `rate(x{code=~\"5..\\|429\"}[1m])   / rate(y[1m])` |",
		"| a `b` c |",
		"mean ratio > 1.1 or mean ratio < 0.9",
		"| errors | g | 100 |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
	if rows := strings.Count(out, "\n| "); rows != 3 { // header + 2 metrics
		t.Errorf("%d table rows in\n%s", rows, out)
	}
}
