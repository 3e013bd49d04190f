package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

// runStats runs "canaryjudge <args>" with stdin and returns stdout, stderr
// and the error run would turn into the exit status.
func runStats(t *testing.T, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	err := runEnv(context.Background(), e, args)
	return out.String(), errb.String(), err
}

func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var res []map[string]any
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("output line %q is not JSON: %v", l, err)
		}
		res = append(res, m)
	}
	return res
}

func TestStatsMWAnswersEachLine(t *testing.T) {
	in := strings.Join([]string{
		`{"x":[10,20,30,40],"y":[1,2,3,4]}`,
		`{"x":[1,2,2,3],"y":[2,3,3,5],"alternative":"greater","exact":false,"mu":0.5,"conf_level":0.9,"correct":false}`,
		``,
		`{"x":[1,2,3],"y":[4,5,6],"alternative":"less","exact":"auto","conf_int":false}`,
		`{"x":[3,3],"y":[3]}`,
		`{"x":[1.5,2.5],"y":[0.5],"alternative":"two.sided","exact":true}`,
	}, "\n")
	out, errOut, err := runStats(t, in, "stats", "mw")
	if err != nil {
		t.Fatalf("err = %v, stderr %q", err, errOut)
	}
	got := decodeLines(t, out)
	if len(got) != 5 {
		t.Fatalf("%d answers for 5 requests (blank line skipped): %s", len(got), out)
	}
	first := got[0]
	if first["W"] != 16.0 || first["method"] != "exact" || first["estimate"] != 22.5 ||
		math.Abs(first["p_value"].(float64)-0.02857142857142857) > 1e-15 {
		t.Errorf("first answer %v", first)
	}
	if ci := first["conf_int"].([]any); ci[0] != 6.0 || ci[1] != 39.0 {
		t.Errorf("first interval %v, R gives [6, 39]", ci)
	}

	// The second must equal the library's answer with the same options.
	want, err := stats.MannWhitney([]float64{1, 2, 2, 3}, []float64{2, 3, 3, 5}, stats.Options{
		Alternative: stats.Greater, Mu: 0.5, ConfLevel: 0.9, Exact: stats.ExactNormal, ConfInt: true})
	if err != nil {
		t.Fatal(err)
	}
	second := got[1]
	if second["W"] != want.W || second["p_value"] != want.PValue || second["z"] != want.Z ||
		second["estimate"] != want.Estimate || second["method"] != "normal" || second["ties"] != true {
		t.Errorf("second answer %v, library %+v", second, want)
	}
	if ci := second["conf_int"].([]any); ci[0] != want.ConfInt[0] || ci[1] != nil {
		t.Errorf("one-sided interval %v: the open end must be null", ci)
	}

	if third := got[2]; third["estimate"] != nil || third["method"] != "exact" || third["z"] != nil {
		t.Errorf("conf_int false must leave the estimate null: %v", third)
	}
	if tied := got[3]; tied["p_value"] != 1.0 || tied["estimate"] != nil || tied["warning"] == nil {
		t.Errorf("all-tied answer %v", tied)
	}
	if ex := got[4]; ex["method"] != "exact" || ex["W"] != 2.0 {
		t.Errorf("exact=true answer %v", ex)
	}
}

func TestStatsMWBadLinesContinue(t *testing.T) {
	bad := []struct{ line, want string }{
		{`{"x":[],"y":[1]}`, "empty sample"},
		{`{"y":[1]}`, "empty sample"},
		{`{"x":[1,null],"y":[1]}`, "x[1] must be a finite number"},
		{`{"x":[1],"y":[1,2,"3"]}`, "y[2] must be a finite number"},
		{`{"x":[1,1e400],"y":[1]}`, "x[1] must be a finite number"},
		{`{"x":[1,[2]],"y":[1]}`, "must be a finite number"},
		{`{"x":"1,2","y":[1]}`, "x must be an array"},
		{`{"x":[1],"y":[2],"bogus":1}`, "unknown field"},
		{`{"x":[1,2],"y":[2,5],"conf_level":1.5}`, "conf_level"},
		{`{"x":[1,2],"y":[2,5],"conf_level":0}`, "conf_level"},
		{`{"x":[1,2],"y":[2,5],"alternative":"sideways"}`, "alternative"},
		{`{"x":[1,2],"y":[2,5],"exact":"maybe"}`, "exact"},
		{`{"x":[1,2],"y":[2,5],"exact":3}`, "exact"},
		{`not json`, "bad request"},
		{`{"x":[1],"y":[2]} {"x":[1],"y":[2]}`, "more than one"},
	}
	var in strings.Builder
	for _, b := range bad {
		in.WriteString(b.line + "\n")
		in.WriteString(`{"x":[1,2,3],"y":[4,5]}` + "\n") // a good line after each bad one
	}
	out, errOut, err := runStats(t, in.String(), "stats", "mw")
	if !errors.Is(err, errSilent) {
		t.Fatalf("err = %v, want errSilent so the exit status is 1", err)
	}
	if !strings.Contains(errOut, "15 request(s) failed") {
		t.Errorf("stderr %q", errOut)
	}
	got := decodeLines(t, out)
	if len(got) != 2*len(bad) {
		t.Fatalf("%d answers for %d lines", len(got), 2*len(bad))
	}
	for i, b := range bad {
		e, _ := got[2*i]["error"].(string)
		if !strings.Contains(e, b.want) {
			t.Errorf("%s: error %q, want it to mention %q", b.line, e, b.want)
		}
		if got[2*i]["line"] != float64(2*i+1) {
			t.Errorf("%s: line %v, want %d", b.line, got[2*i]["line"], 2*i+1)
		}
		if got[2*i+1]["W"] != 0.0 {
			t.Errorf("good line after %s: %v", b.line, got[2*i+1])
		}
	}
}

func TestStatsMWLargeLine(t *testing.T) {
	x := make([]float64, 100_000)
	y := make([]float64, 100_000)
	for i := range x {
		x[i] = float64(i%977) + 0.5
		y[i] = float64(i % 1009)
	}
	req, _ := json.Marshal(map[string]any{"x": x, "y": y})
	out, _, err := runStats(t, string(req), "stats", "mw")
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeLines(t, out); got[0]["n"] != 100000.0 || got[0]["estimate"] == nil {
		t.Fatalf("answer %v", got[0])
	}
}

func TestStatsUsage(t *testing.T) {
	out, _, err := runStats(t, "", "stats", "--help")
	if err != nil || !strings.Contains(out, "usage: canaryjudge stats") {
		t.Errorf("stats --help: %v %q", err, out)
	}
	out, _, err = runStats(t, "", "stats", "mw", "--help")
	if err != nil || !strings.Contains(out, "usage: canaryjudge stats mw") || !strings.Contains(out, "conf_level") {
		t.Errorf("stats mw --help: %v %q", err, out)
	}
	if _, _, err := runStats(t, "", "stats"); !errors.Is(err, errSilent) {
		t.Errorf("stats alone: %v", err)
	}
	if _, _, err := runStats(t, "", "stats", "frobnicate"); err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Errorf("unknown subcommand: %v", err)
	}
	if _, _, err := runStats(t, "", "stats", "mw", "file.json"); !errors.Is(err, errSilent) {
		t.Errorf("stray argument: %v", err)
	}
}
