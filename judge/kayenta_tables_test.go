package judge

import (
	"encoding/json"
	"slices"
	"testing"
)

type scorerCase struct {
	Name       string `json:"name"`
	Configured bool   `json:"group_weights_configured"`
	Groups     []struct {
		Name   string   `json:"name"`
		Weight *float64 `json:"weight"`
	} `json:"groups"`
	Metrics []struct {
		Name           string `json:"name"`
		Group          string `json:"group"`
		Classification string `json:"classification"`
		Critical       bool   `json:"critical"`
	} `json:"metrics"`
	ExpectedScore        float64            `json:"expected_score"`
	ExpectedGroupScores  map[string]float64 `json:"expected_group_scores"`
	ExpectedGroupsSorted []float64          `json:"expected_group_scores_sorted"`
	ExpectedGroupCount   *int               `json:"expected_group_count"`
}

func TestKayentaScorerAcceptance(t *testing.T) {
	var cases []scorerCase
	loadAcceptance(t, "scorer_cases.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			weights := map[string]float64{}
			for _, g := range c.Groups {
				if g.Weight != nil {
					weights[g.Name] = *g.Weight
				}
			}
			var ms []MetricResult
			for _, m := range c.Metrics {
				class, ok := kayentaClass[m.Classification]
				if !ok {
					t.Fatalf("unknown classification %q", m.Classification)
				}
				rule := RuleWithinTolerance
				if m.Classification == "NodataFailMetric" {
					rule = RuleNoDataFail
				}
				ms = append(ms, MetricResult{Name: m.Name, Group: m.Group, Classification: class, Rule: rule, CriticalFailure: m.Critical})
			}
			score, gs, _ := scoreKayenta(ms, weights)
			if score != c.ExpectedScore {
				t.Errorf("score = %v, want %v", score, c.ExpectedScore)
			}
			got := map[string]float64{}
			var sorted []float64
			for _, g := range gs {
				got[g.Name] = *g.Score
				sorted = append(sorted, *g.Score)
			}
			slices.Sort(sorted)
			for name, want := range c.ExpectedGroupScores {
				if got[name] != want {
					t.Errorf("group %s score = %v, want %v", name, got[name], want)
				}
			}
			if c.ExpectedGroupsSorted != nil && !slices.Equal(sorted, c.ExpectedGroupsSorted) {
				t.Errorf("group scores = %v, want %v", sorted, c.ExpectedGroupsSorted)
			}
			if c.ExpectedGroupCount != nil && len(gs) != *c.ExpectedGroupCount {
				t.Errorf("groups = %d, want %d", len(gs), *c.ExpectedGroupCount)
			}
			if !t.Failed() {
				passed("scorer_cases.json")
			}
		})
	}
}

type tolValue struct {
	Value float64 `json:"value"`
	Tol   float64 `json:"abs_tolerance"`
}

type transformCase struct {
	Name   string `json:"name"`
	Op     string `json:"op"`
	Params struct {
		Value    float64 `json:"value"`
		Detector string  `json:"detector"`
		Factor   float64 `json:"factor"`
		Reduce   bool    `json:"reduce_sensitivity"`
		K        float64 `json:"k"`
		Mean     float64 `json:"mean"`
		Stdev    float64 `json:"stdev"`
		Seed     int64   `json:"seed_java_random"`
	} `json:"params"`
	Input    jfs             `json:"input"`
	Expected json.RawMessage `json:"expected"`
}

func TestKayentaTransformAcceptance(t *testing.T) {
	var cases []transformCase
	loadAcceptance(t, "transform_cases.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			in := c.Input.floats()
			detect := func() []bool {
				if c.Params.Detector == "ksigma" {
					return detectKSigma(in, c.Params.K)
				}
				return detectIQR(in, c.Params.Factor, c.Params.Reduce)
			}
			switch c.Op {
			case "remove_nans", "replace_nans", "remove_outliers":
				var want jfs
				mustUnmarshal(t, c.Expected, &want)
				var got []float64
				switch c.Op {
				case "remove_nans":
					got = removeNaN(in)
				case "replace_nans":
					got = replaceNaN(in, c.Params.Value)
				default:
					got = keep(in, detect())
				}
				if !slices.Equal(got, want.floats()) {
					t.Errorf("got %v, want %v", got, want.floats())
				}
			case "detect_outliers":
				var want []bool
				mustUnmarshal(t, c.Expected, &want)
				if got := detect(); !slices.Equal(got, want) {
					t.Errorf("got %v, want %v", got, want)
				}
			case "add_gaussian_noise":
				var want struct {
					Length int      `json:"length"`
					Mean   tolValue `json:"sample_mean"`
					SD     tolValue `json:"sample_stdev"`
				}
				mustUnmarshal(t, c.Expected, &want)
				got := addGaussianNoise(in, c.Params.Mean, c.Params.Stdev, newJavaRandom(c.Params.Seed))
				if len(got) != want.Length || !near(kmean(got), want.Mean.Value, want.Mean.Tol) || !near(sampleSD(got), want.SD.Value, want.SD.Tol) {
					t.Errorf("noise %v: mean %v sd %v", got, kmean(got), sampleSD(got))
				}
			default:
				t.Fatalf("unknown op %q", c.Op)
			}
			if !t.Failed() {
				passed("transform_cases.json")
			}
		})
	}
}

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
