package judge

import (
	"encoding/json"
	"flag"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/jsondiff"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := "testdata/" + name
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if string(want) != string(got) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n%s", name, got)
	}
}

// What missing series mean, in default mode.
func TestMissingData(t *testing.T) {
	without := func(w map[string][]float64, name string) map[string][]float64 {
		delete(w, name)
		return w
	}
	tests := []struct {
		name    string
		canary  map[string][]float64
		verdict Verdict
		rule    Rule
	}{
		{"a non-critical metric missing: judged on the rest", without(healthyWindow(21), "latency_p50"), VerdictPass, RuleScore},
		{"a critical metric missing: nodata", without(healthyWindow(21), "error_ratio"), VerdictNoData, RuleRequiredNoData},
		{"half the metrics missing: nodata", without(without(healthyWindow(21), "latency_p50"), "request_rate"), VerdictNoData, RuleTooMuchNoData},
		{"everything missing: nodata", map[string][]float64{}, VerdictNoData, RuleNoMetricWithData},
		{"only NaN (0/0 error ratios) is no data", func() map[string][]float64 {
			w := healthyWindow(21)
			w["error_ratio"] = []float64{nan(), nan(), nan(), nan(), nan(), nan()}
			return w
		}(), VerdictNoData, RuleRequiredNoData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := mustJudge(t, servicePolicy(), tt.canary, healthyWindow(22))
			if res.Verdict != tt.verdict || res.Rule != tt.rule {
				t.Fatalf("verdict %s rule %s (%s), want %s %s", res.Verdict, res.Rule, res.Reason, tt.verdict, tt.rule)
			}
		})
	}
	p := servicePolicy()
	p.Metrics[2].MustHaveData = true // latency_p50
	res := mustJudge(t, p, without(healthyWindow(21), "latency_p50"), healthyWindow(22))
	if res.Verdict != VerdictNoData || metricResult(t, res, "latency_p50").Rule != RuleNoDataFail {
		t.Errorf("must_have_data: verdict %s", res.Verdict)
	}
}

func nan() float64 { return float64FromBits(0x7ff8000000000001) }

// A group without data is left out of the default score instead of
// counting as 100 (Kayenta's rule).
func TestDefaultScoreSkipsGroupsWithoutData(t *testing.T) {
	p := servicePolicy()
	p.Thresholds = Thresholds{Pass: 75, Marginal: 50}
	canary, base := healthyWindow(31), healthyWindow(32)
	canary["latency_p99"] = scale(canary["latency_p99"], 2)
	delete(canary, "request_rate")
	res := mustJudge(t, p, canary, base)
	// errors 50 (100 %), latency 30 (50 %); saturation has no data.
	if res.Score != 81.25 || res.Verdict != VerdictPass {
		t.Fatalf("score %v verdict %s: %s", res.Score, res.Verdict, res.Reason)
	}
	for _, g := range res.Groups {
		if (g.Name == "saturation") != (g.Score == nil) {
			t.Errorf("group %s score %v", g.Name, fmtPtr(g.Score))
		}
	}
}

func TestJudgeRejectsBadSeries(t *testing.T) {
	canary := healthyWindow(41)
	canary["latency_p99"][3] = -1
	p0 := servicePolicy()
	p0.Metrics[1].Kind = KindLatency
	canary["cpu"] = []float64{1}
	base := healthyWindow(42)
	base["request_rate"] = make([]float64, MaxPoints+1)
	p := p0
	p.Metrics[2].Direction = "sideways"
	_, err := Judge(p, canary, base)
	ve, ok := AsValidation(err)
	if !ok {
		t.Fatalf("%v is not a *ValidationError", err)
	}
	for _, want := range []string{
		"canary.latency_p99[3]: must not be negative", "canary.cpu: no metric of that name in the policy",
		"baseline.request_rate: must have at most", "metrics[2].direction: must be one of",
	} {
		if !hasProblem(ve, want) {
			t.Errorf("missing %q in\n%s", want, problems(ve))
		}
	}
}

// The JSON shape of a result is pinned by a golden file (and is the example
// of POST /v1/judge).
func TestResultJSON(t *testing.T) {
	p, err := parseAny(readTestdata(t, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	in, err := ParseInput(readTestdata(t, "input.json"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := JudgeSides(p, in.Canary, in.Baseline)
	if err != nil {
		t.Fatal(err)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	b := []byte(buf.String())
	if *update {
		golden(t, "result.golden.json", b)
	}
	want := readTestdata(t, "result.golden.json")
	if path := jsondiff.Diff(want, b); path != "" {
		t.Errorf("result differs from testdata/result.golden.json at %s (go test -update rewrites it):\n%s", path, b)
	}
	if strings.Contains(string(b), "NaN") {
		t.Error("NaN in JSON")
	}
}

func TestParseInputAndRequest(t *testing.T) {
	in, err := ParseInput([]byte(`{"canary": {"a": [1, null, "NaN", 2.5]}, "baseline": {}}`))
	if err != nil || len(in.Canary.Series["a"]) != 4 || in.Canary.Series["a"][1] == in.Canary.Series["a"][1] {
		t.Fatalf("%v %v", in, err)
	}
	b, _ := json.Marshal(in.Canary)
	if string(b) != `{"a":[1,null,null,2.5]}` {
		t.Errorf("marshal: %s", b)
	}
	_, err = ParseInput([]byte(`{"canary": {"a": [1, "x", true]}, "baseline": [], "extra": 1}`))
	ve, _ := AsValidation(err)
	for _, want := range []string{"canary.a[1]:", "canary.a[2]:", "baseline: must be an object", "extra: unknown field"} {
		if ve == nil || !hasProblem(ve, want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	_, err = ParseRequest([]byte(`{"policy": {"metrics": [{"name": "a", "group": "g", "direction": "up"}]}, "canary": {"a": [true]}}`))
	ve, _ = AsValidation(err)
	for _, want := range []string{"policy.metrics[0].direction: must be one of", "canary.a[0]:"} {
		if ve == nil || !hasProblem(ve, want) {
			t.Errorf("missing %q in %v", want, err)
		}
	}
	if _, err := ParseRequest([]byte(`{}`)); err == nil || !strings.Contains(err.Error(), "policy: is required") {
		t.Errorf("empty request: %v", err)
	}
}

// The trigger table is pinned by golden files (go test -update rewrites them).
func TestRenderTriggersGolden(t *testing.T) {
	for _, tt := range []struct{ policy, golden string }{
		{"policy.yaml", "triggers.golden.md"},
		{"policy_kayenta.json", "triggers_kayenta.golden.md"},
	} {
		t.Run(tt.policy, func(t *testing.T) {
			p, err := parseAny(readTestdata(t, tt.policy))
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

// Judge is pure: the same input gives the same bytes, and the input series
// are left untouched.
func TestJudgeIsDeterministicAndPure(t *testing.T) {
	for _, mode := range []Mode{ModeDefault, ModeKayenta} {
		p, canary, base := benchWindow(mode)
		p.Groups = map[string]float64{"g0": 10.1, "g1": 20.2, "g2": 30.3}
		before, _ := json.Marshal(Input{Canary: canary, Baseline: base})
		first, _ := json.Marshal(mustJudgeSides(t, p, canary, base))
		for range 3 {
			again, _ := json.Marshal(mustJudgeSides(t, p, canary, base))
			if string(again) != string(first) {
				t.Fatalf("%s mode: results differ between runs", mode)
			}
		}
		if after, _ := json.Marshal(Input{Canary: canary, Baseline: base}); string(after) != string(before) {
			t.Errorf("%s mode: Judge modified its input", mode)
		}
	}
}

// The POST /v1/judge example (for openapi.yaml): request body in
// testdata/api_request.json, response in testdata/api_response.golden.json.
func TestAPIExample(t *testing.T) {
	req, err := ParseRequest(readTestdata(t, "api_request.json"))
	if err != nil {
		t.Fatal(err)
	}
	res := mustJudgeSides(t, req.Policy, req.Canary, req.Baseline)
	if res.Verdict != VerdictMarginal || res.PolicyVersion != 3 {
		t.Errorf("verdict %s version %d", res.Verdict, res.PolicyVersion)
	}
	var buf strings.Builder
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(res); err != nil {
		t.Fatal(err)
	}
	if *update {
		golden(t, "api_response.golden.json", []byte(buf.String()))
	}
	if path := jsondiff.Diff(readTestdata(t, "api_response.golden.json"), []byte(buf.String())); path != "" {
		t.Errorf("response differs at %s:\n%s", path, buf.String())
	}
}

// The numbers in the golden files are checked against an independent
// oracle: testdata/check_result.R recomputes every effect and interval in R
// (Rscript check_result.R > result_r.json). A golden regenerated with
// -update must still agree with R.
func TestGoldenNumbersMatchR(t *testing.T) {
	type bounds struct{ Value, Lower, Upper float64 }
	var ref struct {
		RVersion    string            `json:"r_version"`
		Result      map[string]bounds `json:"result"`
		APIResponse map[string]bounds `json:"api_response"`
	}
	if err := json.Unmarshal(readTestdata(t, "result_r.json"), &ref); err != nil {
		t.Fatal(err)
	}
	for golden, want := range map[string]map[string]bounds{"result.golden.json": ref.Result, "api_response.golden.json": ref.APIResponse} {
		var res Result
		if err := json.Unmarshal(readTestdata(t, golden), &res); err != nil {
			t.Fatal(err)
		}
		if len(res.Metrics) != len(want) {
			t.Fatalf("%s: %d metrics, R has %d", golden, len(res.Metrics), len(want))
		}
		for _, m := range res.Metrics {
			w, ok := want[m.Name]
			if !ok || m.Effect.Value == nil || m.Effect.Lower == nil || m.Effect.Upper == nil {
				t.Fatalf("%s: %s has no R reference or no interval: %+v", golden, m.Name, m.Effect)
			}
			for _, c := range []struct {
				what      string
				got, want float64
			}{{"value", *m.Effect.Value, w.Value}, {"lower", *m.Effect.Lower, w.Lower}, {"upper", *m.Effect.Upper, w.Upper}} {
				if math.Abs(c.got-c.want) > 1e-9*math.Max(1, math.Abs(c.want)) {
					t.Errorf("%s: %s %s = %.15g, R (%s) %.15g", golden, m.Name, c.what, c.got, ref.RVersion, c.want)
				}
			}
		}
	}
}
