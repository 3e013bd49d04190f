package sourcekit

import (
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

func TestInstanceName(t *testing.T) {
	for in, want := range map[string]string{
		"checkout-7d9f8-abcde":   "checkout-7d9f8-abcde",
		"10.0.0.1:8080":          "10.0.0.1:8080",
		"pod/a b":                "pod_a_b",
		"-x":                     "_x",
		"é":                      "_",
		strings.Repeat("a", 200): strings.Repeat("a", 128),
	} {
		if got := InstanceName(in); got != want {
			t.Errorf("InstanceName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Series that sanitize to the same name are refused, not merged.
func TestTakeInstancesCollision(t *testing.T) {
	j := &job{metric: judge.Metric{Name: "m", InstanceLabel: "pod"}}
	takeInstances(j, []Series{{Labels: map[string]string{"pod": "a/b"}}, {Labels: map[string]string{"pod": "a b"}}})
	if j.err == nil || !strings.Contains(j.err.Error(), `both give instance "a_b"`) {
		t.Fatalf("err = %v, want the collision named", j.err)
	}
}

// Align keeps the window's steps only, in order, and one point per stamp.
func TestAlign(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Window{Start: t0, End: t0.Add(time.Minute), Step: 15 * time.Second}
	at := func(s int, v float64) Point { return Point{T: t0.Add(time.Duration(s) * time.Second), V: v} }
	got := Align([]Point{at(60, 4), at(0, 0), at(15, 1), at(75, 5), at(30, 2), at(45, 3), at(45, 3.5)}, w)
	want := []float64{1, 2, 3.5, 4}
	if len(got) != len(want) {
		t.Fatalf("Align = %v, want values %v", got, want)
	}
	for i, p := range got {
		if p.V != want[i] {
			t.Fatalf("Align = %v, want values %v", got, want)
		}
	}
}

// Non-finite values stay in the series and are counted.
func TestTakeCountsNonFinite(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := Window{Start: t0, End: t0.Add(time.Minute), Step: 15 * time.Second}
	j := &job{metric: judge.Metric{Name: "m"}}
	take(j, []Series{{Points: []Point{{t0.Add(15 * time.Second), math.Inf(1)}, {t0.Add(30 * time.Second), 1}, {t0.Add(45 * time.Second), math.Inf(-1)}, {t0.Add(60 * time.Second), math.NaN()}}}}, w)
	if j.asked.NonFinite != 2 || j.series == nil || len(j.series.Points) != 4 || !math.IsInf(values(j.series)[0], 1) {
		t.Fatalf("asked %+v, series %v: want 2 non-finite counted and all 4 points kept", j.asked, j.series)
	}
}

func TestFloat(t *testing.T) {
	for in, want := range map[string]float64{
		"1.5": 1.5, "1e999": math.Inf(1), "-1e999": math.Inf(-1), `"+Inf"`: math.Inf(1), `"-Inf"`: math.Inf(-1),
		`"2.25"`: 2.25, "1e-999": 0,
	} {
		var f Float
		if err := f.UnmarshalJSON([]byte(in)); err != nil || float64(f) != want {
			t.Errorf("%s: %v, %v; want %v", in, f, err, want)
		}
	}
	for _, in := range []string{"null", `"NaN"`} {
		var f Float
		if err := f.UnmarshalJSON([]byte(in)); err != nil || !math.IsNaN(float64(f)) {
			t.Errorf("%s: %v, %v; want NaN", in, f, err)
		}
	}
	var f Float
	if err := f.UnmarshalJSON([]byte(`"x"`)); err == nil {
		t.Error(`"x" read as a number`)
	}
}
