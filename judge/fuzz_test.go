package judge

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// FuzzParsePolicy: no panic; every error is a *ValidationError; whatever
// parses validates and survives a JSON round trip.
func FuzzParsePolicy(f *testing.F) {
	for _, name := range []string{"policy.yaml", "policy_kayenta.json"} {
		f.Add(readTestdata(f, name))
	}
	for _, s := range []string{
		"", "{}", "[]", "null", "metrics: [{name: a, group: g, direction: increase}]",
		`{"metrics": [{"name": "a", "group": "g", "direction": "either", "ceiling": 1e308}], "groups": {"g": 100}}`,
		"thresholds: {pass: .nan}", "a: &x [*x]", "metrics:\n- name: a\n  group: g\n  direction: increase\n  outliers: {strategy: ksigma}",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParsePolicy(data)
		if err != nil {
			if _, ok := AsValidation(err); !ok {
				t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
			}
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("parsed policy does not validate: %v", err)
		}
		js, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ParsePolicy(js); err != nil {
			t.Fatalf("round trip: %v\n%s", err, js)
		}
	})
}

// fuzzPolicies cover both modes and every preprocessing and effect option.
func fuzzPolicies() []Policy {
	ceil := 0.5
	base := func(mode Mode, m Metric) Policy {
		p := DefaultPolicy()
		p.Mode = mode
		m.Name, m.Group = "m", "g"
		p.Metrics = []Metric{m, {Name: "other", Group: "h", Direction: DirEither}}
		return p
	}
	return []Policy{
		base(ModeDefault, Metric{Direction: DirIncrease}),
		base(ModeDefault, Metric{Direction: DirEither, Critical: true, Ceiling: &ceil, EffectSize: EffectSize{Measure: MeasureMeanDiff}}),
		base(ModeDefault, Metric{Direction: DirDecrease, NaNStrategy: NaNReplace, Outliers: Outliers{Strategy: OutliersIQR}, EffectSize: EffectSize{Measure: MeasureCLES}}),
		base(ModeKayenta, Metric{Direction: DirEither}),
		base(ModeKayenta, Metric{Direction: DirIncrease, Critical: true, MustHaveData: true, Outliers: Outliers{Strategy: OutliersKSigma, Factor: 2}}),
		base(ModeKayenta, Metric{Direction: DirEither, NaNStrategy: NaNReplace, Ceiling: &ceil, EffectSize: EffectSize{Measure: MeasureCLES}}),
	}
}

// floatsFrom turns fuzz bytes into up to 200 values: 8-byte chunks are raw
// float64 bits (NaN and infinities included), shorter tails small integers.
func floatsFrom(b []byte) []float64 {
	var xs []float64
	for len(b) > 0 && len(xs) < 200 {
		if len(b) >= 8 && b[0]&1 == 1 {
			xs = append(xs, math.Float64frombits(binary.LittleEndian.Uint64(b)))
			b = b[8:]
			continue
		}
		xs = append(xs, float64(int8(b[0]))/4)
		b = b[1:]
	}
	return xs
}

// FuzzJudge: no panic, every error is a *ValidationError, every result
// encodes as JSON (no NaN) with a known verdict.
func FuzzJudge(f *testing.F) {
	f.Add(uint8(0), []byte{1, 2, 3, 4, 5, 6, 7}, []byte{9, 9, 9, 9, 9, 9, 9})
	f.Add(uint8(3), []byte{40, 40, 40, 40, 40}, []byte{4, 4, 4, 4, 4})
	f.Add(uint8(4), []byte{}, []byte{1, 2})
	f.Add(uint8(1), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add(uint8(5), []byte{1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 3}, []byte{1, 0, 0, 0, 0, 0, 0xf0, 0x7f, 3})
	policies := fuzzPolicies()
	f.Fuzz(func(t *testing.T, which uint8, cb, bb []byte) {
		p := policies[int(which)%len(policies)]
		canary := map[string][]float64{"m": floatsFrom(cb)}
		baseline := map[string][]float64{"m": floatsFrom(bb), "other": floatsFrom(cb)}
		if which&0x80 != 0 {
			canary["other"] = floatsFrom(bb)
		}
		res, err := Judge(p, canary, baseline)
		if err != nil {
			if _, ok := AsValidation(err); !ok {
				t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
			}
			return
		}
		checkResult(t, res)
	})
}

// FuzzJudgeRequest drives the POST /v1/judge path: bytes to Request to Result.
func FuzzJudgeRequest(f *testing.F) {
	f.Add([]byte(`{"policy": {"metrics": [{"name": "a", "group": "g", "direction": "increase"}]}, "canary": {"a": [1,2,3,4,5,6]}, "baseline": {"a": [1,2,3,4,5,null]}}`))
	f.Add([]byte(`{"policy": {"mode": "kayenta", "metrics": [{"name": "a", "group": "g", "direction": "either"}]}, "canary": {"a": [1,1,1]}, "baseline": {"a": [2,2]}}`))
	f.Add([]byte(`{"policy": null}`))
	f.Add([]byte(`{"policy": {"metrics": [{"name": "e", "kind": "count", "group": "g", "direction": "increase", "ceiling": 0.1}]}, "canary": {"e": {"events": [0,1,0,2,0,0], "total": [10,12,9,11,0,null]}}, "baseline": {"e": {"events": [0,0,0,0,0,0], "total": [10,10,10,10,10,10]}}}`))
	f.Add([]byte(`{"policy": {"metrics": [{"name": "l", "kind": "latency", "group": "g", "direction": "increase", "effect_size": {"floor": 0.01}}]}, "canary": {"l": [0.1,0.2,0.1,0.3,0.2,0.1]}, "baseline": {"l": [0,0,0,0,0,0]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		req, err := ParseRequest(body)
		if err == nil {
			var res Result
			if res, err = JudgeSides(req.Policy, req.Canary, req.Baseline); err == nil {
				checkResult(t, res)
				return
			}
		}
		if _, ok := AsValidation(err); !ok {
			t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
		}
	})
}

func checkResult(t *testing.T, res Result) {
	t.Helper()
	if _, err := json.Marshal(res); err != nil {
		t.Fatalf("result does not encode: %v", err)
	}
	switch res.Verdict {
	case VerdictPass, VerdictMarginal, VerdictFail, VerdictNoData:
	default:
		t.Fatalf("verdict %q", res.Verdict)
	}
	if !(res.Score >= 0 && res.Score <= 100) {
		t.Fatalf("score %v", res.Score)
	}
	for _, m := range res.Metrics {
		if m.Rule == "" || m.Reason == "" {
			t.Fatalf("%s: no rule or reason: %s", m.Name, fmt.Sprint(m))
		}
	}
}
