package judge

import (
	"encoding/json"
	"slices"
	"testing"
)

type statsCase struct {
	Name       string          `json:"name"`
	Op         string          `json:"op"`
	Input      jfs             `json:"input"`
	Experiment jfs             `json:"experiment"`
	Control    jfs             `json:"control"`
	Expected   json.RawMessage `json:"expected"`
	Tolerance  json.RawMessage `json:"tolerance"`
	AbsTol     float64         `json:"abs_tolerance"`
}

func TestKayentaStatsAcceptance(t *testing.T) {
	var cases []statsCase
	loadAcceptance(t, "stats_cases.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			check := func(what string, got, want, tol float64) {
				if !near(got, want, tol) {
					t.Errorf("%s = %.10g, want %.10g (tol %g)", what, got, want, tol)
				}
			}
			exp, ctl := c.Experiment.floats(), c.Control.floats()
			switch c.Op {
			case "summary":
				var want struct {
					Min, Max, Mean, Std float64
					Count               int
				}
				mustUnmarshal(t, c.Expected, &want)
				var tol struct{ Std float64 }
				_ = json.Unmarshal(c.Tolerance, &tol) // a number 0.0 or {"std": ...}
				lo, hi, mean, sd, n := summary(c.Input.floats())
				check("min", lo, want.Min, 0)
				check("max", hi, want.Max, 0)
				check("mean", mean, want.Mean, 0)
				check("std", sd, want.Std, tol.Std)
				if n != want.Count {
					t.Errorf("count = %d, want %d", n, want.Count)
				}
			case "percentile_r7":
				var want []struct {
					P      float64 `json:"p"`
					Value  float64 `json:"value"`
					AbsTol float64 `json:"abs_tolerance"`
				}
				mustUnmarshal(t, c.Expected, &want)
				s := slices.Sorted(slices.Values(c.Input.floats()))
				for _, w := range want {
					check("percentile", percentileR7(s, w.P), w.Value, w.AbsTol)
				}
			case "mean_ratio", "cohen_d", "cles":
				var want jf
				mustUnmarshal(t, c.Expected, &want)
				got := map[string]func([]float64, []float64) float64{
					"mean_ratio": kayentaMeanRatio, "cohen_d": cohenD, "cles": cles,
				}[c.Op](exp, ctl)
				check(c.Op, got, float64(want), c.AbsTol)
			default:
				t.Fatalf("unknown op %q", c.Op)
			}
			if !t.Failed() {
				passed("stats_cases.json")
			}
		})
	}
}
