package judge

import (
	"reflect"
	"testing"
)

// The defaults are filled in once per policy and reused, but reusing them
// never changes what filling them in gives: the oracle is filling them in
// from scratch, without the mark.
func TestDefaultsReusedOnlyWhileTheyFit(t *testing.T) {
	fresh := func(p Policy) []Metric {
		p.defaults = defaultsMark{}
		return p.withDefaults().Metrics
	}
	bare := Policy{Metrics: []Metric{{Name: "a"}, {Name: "b", Kind: KindCount}}}
	d := bare.WithDefaults()
	if !d.defaults.covers(d) {
		t.Fatal("a policy with its defaults filled in is not marked")
	}
	if again := d.withDefaults(); &again.Metrics[0] != &d.Metrics[0] {
		t.Error("defaults filled in again for the same policy")
	}
	if c := d.Clone(); !c.defaults.covers(c) || &c.Metrics[0] == &d.Metrics[0] {
		t.Error("a clone does not keep its own filled-in metrics")
	}
	kayenta, alpha, grown := d, d, d
	kayenta.Mode = ModeKayenta
	kayenta.Metrics = append(kayenta.Metrics[:len(kayenta.Metrics):len(kayenta.Metrics)], Metric{Name: "c"})
	alpha.Alpha = 0.01
	grown.Metrics = append(grown.Metrics, Metric{Name: "c"})
	// Kayenta leaves min_samples unset: the same metrics in mode default
	// get its default.
	sameSlice := Policy{Mode: ModeKayenta, Metrics: bare.Metrics}.WithDefaults()
	sameSlice.Mode = ModeDefault
	for name, p := range map[string]Policy{"kayenta, a metric added": kayenta, "alpha": alpha, "a metric added": grown, "mode only": sameSlice} {
		got, want := p.withDefaults().Metrics, fresh(p)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %+v, want %+v", name, got, want)
		}
	}
	if got := kayenta.withDefaults().Metrics[2]; got.MinSamples != 0 || got.EffectSize.AllowedIncrease != 1 {
		t.Errorf("the metric added in kayenta mode has the default mode's defaults: %+v", got)
	}
	if got := sameSlice.withDefaults().Metrics[0]; got.MinSamples != DefaultMinSamples {
		t.Errorf("kayenta's metrics in mode default have no min_samples: %+v", got)
	}
	if got := grown.withDefaults().Metrics[2]; got.MinSamples != DefaultMinSamples {
		t.Errorf("the metric added has no defaults: %+v", got)
	}
}
