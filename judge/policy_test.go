package judge

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParsePolicyExample(t *testing.T) {
	p, err := parseAny(readTestdata(t, "policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Thresholds != (Thresholds{Pass: 80, Marginal: 60}) || len(p.Metrics) != 4 {
		t.Fatalf("thresholds %+v, %d metrics", p.Thresholds, len(p.Metrics))
	}
	if w := p.Windows; w.MinBake.Duration != 15*time.Minute || w.MaxWindows != 12 || w.ConsecutiveMarginal != 3 {
		t.Errorf("windows = %+v", w)
	}
	// Defaults are filled in on the metrics too.
	cpu := p.withDefaults().Metrics[2]
	if cpu.MinSamples != DefaultMinSamples || cpu.NaNStrategy != NaNRemove || cpu.Kind != KindGauge || cpu.EffectSize.Measure != MeasureMeanRatio ||
		cpu.EffectSize.AllowedIncrease != 1.2 || cpu.EffectSize.AllowedDecrease != 0.9 {
		t.Errorf("cpu defaults: %+v", cpu)
	}
	if e := p.withDefaults().Metrics[0]; e.Kind != KindCount || e.EffectSize.Measure != MeasureRateRatio || e.EffectSize.Floor != 0.0005 {
		t.Errorf("errors: %+v", e)
	}
	// The same policy as JSON parses to the same value, and the parsed
	// policy survives a JSON round trip unchanged.
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	q, err := parseAny(js)
	if err != nil {
		t.Fatalf("re-parse: %v\n%s", err, js)
	}
	if !reflect.DeepEqual(p, q) {
		t.Errorf("JSON round trip changed the policy:\n%+v\n%+v", p, q)
	}
	if _, err := parseAny(readTestdata(t, "policy_kayenta.json")); err != nil {
		t.Errorf("kayenta example: %v", err)
	}
}

func TestDefaultPolicy(t *testing.T) {
	p := DefaultPolicy()
	if p.Thresholds.Pass != 75 || p.Thresholds.Marginal != 50 || p.Windows.ConsecutiveFailures != 2 ||
		p.Windows.ConsecutiveNoData != 3 || p.Guards.Migrations != MigrationsExpandOnly || p.Mode != ModeDefault {
		t.Errorf("defaults: %+v", p)
	}
	p.Metrics = []Metric{{Name: "m", Group: "g", Direction: DirIncrease}}
	if err := p.Validate(); err != nil {
		t.Errorf("default policy with one metric: %v", err)
	}
	if err := DefaultPolicy().Validate(); err == nil || !strings.Contains(err.Error(), "metrics: must list at least one metric") {
		t.Errorf("no metrics: %v", err)
	}
}

// TestParsePolicyProblems checks that every problem is reported, each with
// its path, in one *ValidationError.
func TestParsePolicyProblems(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []string // "field: message substring"
	}{
		{"the issue's example and friends", `
metrics:
  - {name: a, group: g, direction: increase}
  - {name: a, group: g, direction: increase}
  - {name: c, group: h, direction: up}
groups: {g: 80, h: 30, ghost: 1}
thresholds: {pass: 40, marginal: 60}`, []string{
			"metrics[1].name: duplicate of metrics[0].name",
			"metrics[2].direction: must be one of increase, decrease, either",
			"groups.ghost: unknown group",
			"groups: weights must sum to at most 100",
			"thresholds.pass: must be at least thresholds.marginal",
		}},
		{"unknown fields and wrong types, all at once", `{
"mode": 3, "thresholds": {"pass": "high"}, "colour": "red",
"metrics": [{"name": "a", "group": "g", "direction": "increase", "critical": "yes", "min_samples": 2.5, "wat": 1}],
"windows": {"interval": "five minutes"}}`, []string{
			"mode: must be a string", "thresholds.pass: must be a finite number", "colour: unknown field",
			"metrics[0].critical: must be true or false", "metrics[0].min_samples: must be an integer",
			"metrics[0].wat: unknown field", "windows.interval: must be a duration string",
		}},
		{"metric options", `
mode: kayenta
metrics:
  - {name: "bad name", group: "", direction: "", nan_strategy: zero, min_samples: 10,
     outliers: {strategy: iqr, factor: -1}, effect_size: {measure: mean_diff}, ceiling_stat: p99}
  - {name: b, group: g, direction: either, outliers: {factor: 2}, effect_size: {measure: cles, allowed_increase: 0.4}}`, []string{
			"metrics[0].name: must be 1-128 characters", "metrics[0].group: is required",
			"metrics[0].direction: is required", "metrics[0].nan_strategy: must be one of remove, replace",
			"metrics[0].min_samples: is not used in kayenta mode", "metrics[0].outliers.factor: must be a number in (0, 100]",
			"metrics[0].effect_size.measure: mean_diff is not available in kayenta mode",
			"metrics[0].ceiling_stat: must be one of mean, median, max",
			"metrics[1].outliers.factor: is only used with strategy iqr or ksigma",
			"metrics[1].effect_size.allowed_increase: must be at least 0.5 for cles",
		}},
		{"default-mode statistics", `
alpha: 0.7
metrics:
  - {name: a, group: g, direction: increase, min_samples: 3, effect_size: {allowed_increase: 0.9, allowed_decrease: 1.5}}`, []string{
			"alpha: must be a significance level in (0, 0.5]",
			"metrics[0].effect_size.allowed_increase: must be at least 1 for mean_ratio",
			"metrics[0].effect_size.allowed_decrease: must be at most 1 for mean_ratio",
		}},
		{"instance label is a label name", `
metrics: [{name: a, group: g, direction: increase, instance_label: "pod-name"}]`, []string{
			"metrics[0].instance_label: must be a label name",
		}},
		{"too few samples for a variance", `
metrics: [{name: a, group: g, direction: increase, min_samples: 2}]`, []string{
			"metrics[0].min_samples: must be an integer between 3 and",
		}},
		{"kinds and their options", `
metrics:
  - {name: a, group: g, direction: increase, kind: count, effect_size: {measure: mean_ratio}, outliers: {strategy: iqr}}
  - {name: b, group: g, direction: increase, kind: latency, min_total: 5, effect_size: {measure: rate_ratio}}
  - {name: c, group: g, direction: increase, kind: histogram}
  - {name: d, group: g, direction: increase, effect_size: {measure: mean_diff, floor: 1}}
  - {name: e, group: g, direction: increase, kind: count, min_total: -1, effect_size: {allowed_increase: 0.5, floor: -1}}`, []string{
			"metrics[0].effect_size.measure: a count metric is judged as a rate: measure must be rate_ratio",
			"metrics[0].outliers.strategy: outlier removal does not apply to counts",
			"metrics[1].effect_size.measure: rate_ratio is for kind count", "metrics[1].min_total: is only used by kind count",
			"metrics[2].kind: must be one of gauge, latency, ratio, count",
			"metrics[3].effect_size.floor: mean_diff allowances are already absolute",
			"metrics[4].min_total: must be a finite number, not negative", "metrics[4].effect_size.allowed_increase: must be at least 1 for rate_ratio",
			"metrics[4].effect_size.floor: must be a finite number, not negative",
		}},
		{"kayenta mode has no counts or floors", `
mode: kayenta
metrics: [{name: a, group: g, direction: increase, kind: count, effect_size: {measure: rate_ratio, floor: 0.1}}]`, []string{
			"metrics[0].kind: count is not available in kayenta mode", "metrics[0].effect_size.floor: is not used in kayenta mode",
		}},
		{"a release needs a lifetime", `
metrics: [{name: a, group: g, direction: increase}]
windows: {max_windows: 0, max_bake: 0s}`, []string{"windows.max_windows: a release needs a lifetime"}},
		{"the lifetime is at least the bake", `
metrics: [{name: a, group: g, direction: increase}]
windows: {min_windows: 5, max_windows: 4, consecutive_marginal: 0}`, []string{
			"windows.max_windows: must be at least min_windows (5)", "windows.consecutive_marginal: must be an integer between 1 and 100",
		}},
		{"windows, guards and sinks", `
metrics: [{name: a, group: g, direction: increase}]
groups: {g: 100, }
windows: {interval: 1s, min_windows: 0, consecutive_failures: 0, consecutive_nodata: -1, min_bake: -5m}
guards: {rollback_cap: {per_service: -1, window: 0s}, rollback_timeout: 0s, migrations: yolo}
notify:
  - {kind: email}
  - {kind: pagerduty, secret: s, events: [page, page, boom]}
  - {kind: webhook, url: "ftp://x"}`, []string{
			"windows.interval: must be between 10s and 24h", "windows.min_windows: must be an integer between 1 and 1000",
			"windows.consecutive_failures:", "windows.consecutive_nodata:", "windows.min_bake:",
			"guards.rollback_cap.per_service:", "guards.rollback_cap.window:", "guards.rollback_timeout:",
			"guards.migrations: must be expand_only", "notify[0].kind: must be one of webhook, pagerduty, slack",
			"notify[1].routing_key: is required", "notify[1].secret: is only used by webhook sinks",
			`notify[1].events[1]: duplicate event "page"`, "notify[1].events[2]: must be one of page, resolve, info",
			"notify[2].url: must be an absolute http or https URL",
		}},
		{"unweighted group left with nothing", `
groups: {g: 100}
metrics: [{name: a, group: g, direction: increase}, {name: b, group: h, direction: increase}]`, []string{
			"groups: weights sum to 100, leaving weight 0 for unweighted group(s) h",
		}},
		{"not a policy", "- 1\n- 2", []string{"policy: must be an object"}},
		{"empty", "  ", []string{"policy: is empty"}},
		{"garbage", "{", []string{"policy: is not valid JSON"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parseAny([]byte(tt.doc))
			ve, ok := AsValidation(err)
			if !ok {
				t.Fatalf("error %v (%T) is not a *ValidationError", err, err)
			}
			for _, w := range tt.want {
				if !hasProblem(ve, w) {
					t.Errorf("missing problem %q in:\n%s", w, problems(ve))
				}
			}
		})
	}
}

func hasProblem(ve *ValidationError, want string) bool {
	for _, p := range ve.Problems {
		if strings.HasPrefix(p.Field+": "+p.Message, want) || (strings.HasSuffix(want, ":") && p.Field+":" == want) {
			return true
		}
	}
	return false
}

func problems(ve *ValidationError) string {
	var b strings.Builder
	for _, p := range ve.Problems {
		b.WriteString("  " + p.Field + ": " + p.Message + "\n")
	}
	return b.String()
}

func TestWindowsLifetime(t *testing.T) {
	mins := func(m int) Duration { return Duration{time.Duration(m) * time.Minute} }
	cases := []struct {
		w    Windows
		want int
	}{
		{Windows{Interval: mins(5), MaxWindows: 12}, 12},
		{Windows{Interval: mins(5), MaxBake: mins(60)}, 12},
		{Windows{Interval: mins(5), MaxBake: mins(61)}, 13}, // a partial window still counts
		{Windows{Interval: mins(5), MaxWindows: 6, MaxBake: mins(60)}, 6},
		{Windows{Interval: mins(5), MaxWindows: 20, MaxBake: mins(60)}, 12},
		{Windows{Interval: mins(5)}, 1},
	}
	for _, c := range cases {
		if got := c.w.Lifetime(); got != c.want {
			t.Errorf("%+v: Lifetime() = %d, want %d", c.w, got, c.want)
		}
	}
}
