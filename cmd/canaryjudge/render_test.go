package main

import (
	"os"
	"strings"
	"testing"
)

// render triggers prints the golden table that judge's own test pins.
func TestRenderTriggersGolden(t *testing.T) {
	for policy, golden := range map[string]string{
		"policy.yaml":         "triggers.golden.md",
		"policy_kayenta.json": "triggers_kayenta.golden.md",
	} {
		out, errOut, err := runCmd(t, "", "render", "triggers", "--policy", judgeTestdata+policy)
		if err != nil {
			t.Fatalf("%s: %v: %s", policy, err, errOut)
		}
		want, err := os.ReadFile(judgeTestdata + golden)
		if err != nil {
			t.Fatal(err)
		}
		if out != string(want) {
			t.Errorf("render triggers --policy %s differs from %s:\n%s", policy, golden, out)
		}
	}
}

func TestRenderDispatch(t *testing.T) {
	if _, errOut, err := runCmd(t, "", "render"); err == nil || !strings.Contains(errOut, "triggers") {
		t.Errorf("no design: %v %q", err, errOut)
	}
	if out, _, err := runCmd(t, "", "render", "--help"); err != nil || !strings.Contains(out, "designs:") {
		t.Errorf("help: %v %q", err, out)
	}
	if _, _, err := runCmd(t, "", "render", "nope"); err == nil || !strings.Contains(err.Error(), `unknown design "nope"`) {
		t.Errorf("unknown: %v", err)
	}
	if _, _, err := runCmd(t, "", "render", "triggers"); err == nil {
		t.Error("missing --policy accepted")
	}
	if _, errOut, err := runCmd(t, "", "render", "triggers", "--policy", judgeTestdata+"input.json"); err == nil || !strings.Contains(errOut, "is invalid") {
		t.Errorf("bad policy: %v %q", err, errOut)
	}
}
