package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/jsondiff"
	"github.com/canaryjudge/canaryjudge/judge"
)

// The example policy, input and golden outputs live in judge/testdata.
const judgeTestdata = "../../judge/testdata/"

func runCmd(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := runEnv(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func TestJudgeTable(t *testing.T) {
	out, errOut, err := runCmd(t, "", "judge", "--policy", judgeTestdata+"policy.yaml", "--input", judgeTestdata+"input.json")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	for _, want := range []string{"METRIC", "VERDICT", "EFFECT", "WHY", "latency_p99", "high", "×1.593 [1.411, 1.794]",
		"lies above the allowed increase 1.2", "verdict: MARGINAL  score: 70.00", "latency 0.00 (weight 30)", "saturation 100.00 (weight 10)"} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in\n%s", want, out)
		}
	}
}

func TestJudgeJSONFromStdin(t *testing.T) {
	input, err := os.ReadFile(judgeTestdata + "input.json")
	if err != nil {
		t.Fatal(err)
	}
	out, errOut, err := runCmd(t, string(input), "judge", "--policy", judgeTestdata+"policy.yaml", "--input", "-", "--format", "json")
	if err != nil {
		t.Fatalf("%v: %s", err, errOut)
	}
	want, err := os.ReadFile(judgeTestdata + "result.golden.json")
	if err != nil {
		t.Fatal(err)
	}
	var res judge.Result
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if diff := jsondiff.Diff(want, []byte(out)); diff != "" {
		t.Errorf("judge --format json differs from judge/testdata/result.golden.json at %s:\n%s", diff, out)
	}
}

func TestJudgeReportsEveryProblem(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "policy.yaml")
	os.WriteFile(bad, []byte("metrics:\n  - {name: a, group: g, direction: up}\nthresholds: {pass: 10}\n"), 0o644)
	_, errOut, err := runCmd(t, "", "judge", "--policy", bad, "--input", judgeTestdata+"input.json")
	if !errors.Is(err, errSilent) {
		t.Fatalf("err = %v", err)
	}
	for _, want := range []string{"is invalid:", "metrics[0].direction: must be one of increase, decrease, either",
		"thresholds.pass: must be at least thresholds.marginal"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("missing %q in\n%s", want, errOut)
		}
	}
	for input, want := range map[string]string{
		`{"canary": {"latency_p99": [1, "fast", 2]}}`:         "canary.latency_p99[1]: must be a number, or null",
		`{"canary": {"latency_p99": [1, 1e999]}, "other": 1}`: "other: unknown field",
		`{"canary": {}, "baseline": {"nope": [1]}}`:           "baseline.nope: no metric of that name in the policy",
	} {
		path := filepath.Join(dir, "input.json")
		os.WriteFile(path, []byte(input), 0o644)
		_, errOut, err = runCmd(t, "", "judge", "--policy", judgeTestdata+"policy.yaml", "--input", path)
		if !errors.Is(err, errSilent) || !strings.Contains(errOut, want) {
			t.Errorf("%s: err %v, want %q in stderr:\n%s", input, err, want, errOut)
		}
	}
}

func TestJudgeFlags(t *testing.T) {
	for _, args := range [][]string{
		{"judge"},
		{"judge", "--policy", judgeTestdata + "policy.yaml"},
		{"judge", "--policy", "x", "--input", "y", "--format", "xml"},
		{"judge", "--policy", "x", "--input", "y", "extra"},
		{"judge", "--policy", "/does/not/exist", "--input", "y"},
	} {
		if _, _, err := runCmd(t, "", args...); err == nil {
			t.Errorf("%v: no error", args)
		}
	}
	out, _, err := runCmd(t, "", "judge", "--help")
	if err != nil || !strings.Contains(out, "--format") {
		t.Errorf("help: %v %q", err, out)
	}
}

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
	// Without --policy: the shipped example policy.
	if out, _, err := runCmd(t, "", "render", "triggers"); err != nil || !strings.Contains(out, "# Trigger and signal table") {
		t.Errorf("render triggers without --policy: %v %q", err, out)
	}
	if _, errOut, err := runCmd(t, "", "render", "triggers", "--policy", judgeTestdata+"input.json"); err == nil || !strings.Contains(errOut, "is invalid") {
		t.Errorf("bad policy: %v %q", err, errOut)
	}
}
