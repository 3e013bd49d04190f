package judge

import (
	"fmt"
	"strings"
	"testing"
)

type classifierCase struct {
	Name           string    `json:"name"`
	Metric         string    `json:"metric_name"`
	Classifier     string    `json:"classifier"`
	Experiment     jfs       `json:"experiment"`
	Control        jfs       `json:"control"`
	Direction      Direction `json:"direction"`
	NaNStrategy    string    `json:"nan_strategy"`
	Critical       bool      `json:"critical"`
	MustHaveData   bool      `json:"must_have_data"`
	Tolerance      float64   `json:"tolerance"`
	ConfLevel      float64   `json:"conf_level"`
	ExpectedClass  string    `json:"expected_classification"`
	ExpectedCrit   *bool     `json:"expected_critical"`
	ExpectedDev    *jf       `json:"expected_deviation"`
	ReasonNonEmpty *bool     `json:"expected_reason_nonempty"`
	EffectSize     struct {
		Measure         string  `json:"measure"`
		AllowedDecrease float64 `json:"allowed_decrease"`
		AllowedIncrease float64 `json:"allowed_increase"`
	} `json:"effect_size"`
	CriticalEffect struct {
		CriticalDecrease float64 `json:"critical_decrease"`
		CriticalIncrease float64 `json:"critical_increase"`
	} `json:"critical_effect_size"`
}

var kayentaClass = map[string]Classification{
	"Pass": ClassPass, "High": ClassHigh, "Low": ClassLow, "Nodata": ClassNoData,
	"NodataFailMetric": ClassNoData, "Error": ClassError,
}

// kayentaPolicy is a one-metric kayenta-mode policy carrying the case's
// classifier constants and effect-size thresholds.
func kayentaPolicy(c classifierCase) Policy {
	p := DefaultPolicy()
	p.Mode = ModeKayenta
	p.Kayenta = KayentaOptions{Tolerance: c.Tolerance, ConfLevel: c.ConfLevel}
	measure := MeasureMeanRatio
	if c.EffectSize.Measure == "cles" {
		measure = MeasureCLES
	}
	p.Metrics = []Metric{{
		Name: "m", Group: "g", Direction: c.Direction, Critical: c.Critical,
		MustHaveData: c.MustHaveData, NaNStrategy: c.NaNStrategy,
		EffectSize: EffectSize{
			Measure:          measure,
			AllowedIncrease:  c.EffectSize.AllowedIncrease,
			AllowedDecrease:  c.EffectSize.AllowedDecrease,
			CriticalIncrease: c.CriticalEffect.CriticalIncrease,
			CriticalDecrease: c.CriticalEffect.CriticalDecrease,
		},
	}}
	return p
}

// TestKayentaClassifierAcceptance runs every ClassifierSuite case through
// Judge in kayenta mode (the MeanInequality benchmarking classifier, which
// the judge does not use, is tested on its own).
func TestKayentaClassifierAcceptance(t *testing.T) {
	var cases []classifierCase
	loadAcceptance(t, "classifier_cases.json", &cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			want, ok := kayentaClass[c.ExpectedClass]
			if !ok {
				t.Fatalf("unknown expected classification %q", c.ExpectedClass)
			}
			if c.Classifier == "MeanInequality" {
				if got := classifyMeanInequality(c.Experiment.floats(), c.Control.floats(), c.Direction); got != want {
					t.Fatalf("classification = %s, want %s", got, want)
				}
				passed("classifier_cases.json")
				return
			}
			series := func(xs jfs) map[string][]float64 {
				if len(xs) == 0 {
					return nil // no data: the metric is absent from the input
				}
				return map[string][]float64{"m": xs.floats()}
			}
			res, err := Judge(kayentaPolicy(c), series(c.Experiment), series(c.Control))
			if err != nil {
				t.Fatal(err)
			}
			m := res.Metrics[0]
			if m.Classification != want {
				t.Fatalf("classification = %s (%s), want %s", m.Classification, m.Reason, want)
			}
			if c.ExpectedClass == "NodataFailMetric" && m.Rule != RuleNoDataFail {
				t.Errorf("rule = %s, want %s", m.Rule, RuleNoDataFail)
			}
			if c.ExpectedCrit != nil && m.CriticalFailure != *c.ExpectedCrit {
				t.Errorf("critical = %v, want %v", m.CriticalFailure, *c.ExpectedCrit)
			}
			if c.ExpectedDev != nil {
				want := float64(*c.ExpectedDev)
				if got := m.MeanRatio; (got == nil) != (want != want) || (got != nil && !near(*got, want, 0)) {
					t.Errorf("deviation = %v, want %v", fmtPtr(got), want)
				}
			}
			if c.ReasonNonEmpty != nil && *c.ReasonNonEmpty && strings.TrimSpace(m.Reason) == "" {
				t.Error("reason is empty")
			}
			if !t.Failed() {
				passed("classifier_cases.json")
			}
		})
	}
}

func fmtPtr(p *float64) string {
	if p == nil {
		return "null"
	}
	return fmt.Sprint(*p)
}
