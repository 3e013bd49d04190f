package judge

import (
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge/stats"
)

func seqPolicy() Policy {
	p := decidePolicy()
	p.Mode = ModeSequential
	p.Windows.Interval, p.Windows.MinBake, p.Windows.MaxWindows = D(time.Minute), D(3*time.Minute), 30
	return p
}

// replaySeq runs windows of errors counts (and healthy latency and cpu)
// through Propose in mode sequential, one-minute windows.
func replaySeq(t *testing.T, p Policy, ws ...win) []Decision {
	t.Helper()
	var hist []Window
	var out []Decision
	for i, w := range ws {
		start := t0.Add(time.Duration(i) * time.Minute)
		r := newRNG(uint64(300 + i))
		c := Side{Series: Samples{"latency": latency(r, 12, 0.2, 0.05), "cpu": ar1Series(uint64(i), 12, 40, 2, 0.3)},
			Counts: map[string]Count{"errors": even(w.ce, w.ct, 12)}}
		b := Side{Series: Samples{"latency": latency(r, 12, 0.2, 0.05), "cpu": ar1Series(uint64(90+i), 12, 40, 2, 0.3)},
			Counts: map[string]Count{"errors": even(w.be, w.bt, 12)}}
		res := mustJudgeSides(t, p, c, b)
		d := Propose(AnalysisInput{Policy: p, CreatedAt: t0, History: hist, Result: &res, Start: start, End: start.Add(time.Minute)})
		out = append(out, d)
		hist = append(hist, Window{Start: start, At: start.Add(time.Minute), Verdict: res.Verdict, Metrics: res.Summaries()})
		if d.Action != ActionWait {
			break
		}
	}
	return out
}

func TestSequentialDecisions(t *testing.T) {
	healthy := win{ce: 600, ct: 120000, be: 600, bt: 120000}
	doubled := win{ce: 1200, ct: 120000, be: 600, bt: 120000}
	spike := win{ce: 3000, ct: 120000, be: 600, bt: 120000}
	// Doubled errors roll back within minutes, on the sequence.
	ds := replaySeq(t, seqPolicy(), doubled, doubled, doubled, doubled, doubled, doubled)
	last := ds[len(ds)-1]
	if last.Action != ActionRollback || last.Reason != ReasonSequentialRegression || len(ds) > 4 {
		t.Fatalf("doubled errors: %s/%s after %d windows: %s", last.Action, last.Reason, len(ds), last.Message)
	}
	if s := last.Evidence.Sequence[0]; s.Name != "errors" || s.Beyond != "increase" || s.RollbackLower == nil || !(*s.RollbackLower > 1.2) || s.Alpha != 0.05 {
		t.Errorf("errors sequence %+v", s)
	}
	// Healthy: promoted once every sequence is within its allowance, after
	// min_bake; never before it.
	ds = replaySeq(t, seqPolicy(), healthy, healthy, healthy, healthy, healthy, healthy, healthy, healthy, healthy, healthy)
	last = ds[len(ds)-1]
	if last.Action != ActionPromote || last.Reason != ReasonSequentialSettled || len(ds) < 3 {
		t.Fatalf("healthy: %s/%s after %d windows: %s", last.Action, last.Reason, len(ds), last.Message)
	}
	// One spike window is left out of the rollback side.
	ds = replaySeq(t, seqPolicy(), healthy, spike, healthy, healthy, healthy, healthy, healthy, healthy, healthy, healthy)
	if last = ds[len(ds)-1]; last.Action == ActionRollback {
		t.Fatalf("a one-window spike rolled back: %s", last.Message)
	}
	// Early promote can be forbidden: the release then bakes its lifetime.
	p := seqPolicy()
	p.Sequential.NoEarlyPromote = true
	p.Windows.MaxWindows = 8
	ws := make([]win, 8)
	for i := range ws {
		ws[i] = healthy
	}
	ds = replaySeq(t, p, ws...)
	if last = ds[len(ds)-1]; last.Action != ActionPromote || last.Reason != ReasonLifetimeComplete || len(ds) != 8 {
		t.Fatalf("no early promote: %s/%s after %d windows", last.Action, last.Reason, len(ds))
	}
}

// The sequence never excludes the truth more often than alpha allows, at
// any look: a direct check of the normal-mixture boundary on iid normal
// increments (the sim package runs the end-to-end coverage test).
func TestNormalMixtureIsAnytimeValid(t *testing.T) {
	r := newRNG(11)
	const reps, looks, a = 2000, 100, 0.05
	miss := 0
	for range reps {
		s := 0.0
		for n := 1; n <= looks; n++ {
			s += r.NormFloat64() // true mean 0, sd 1
			se := 1 / math.Sqrt(float64(n))
			if math.Abs(s/float64(n)) > stats.NormalMixtureHalfWidth(1/(se*se), 10, a) {
				miss++
				break
			}
		}
	}
	if rate := float64(miss) / reps; rate > a {
		t.Errorf("ever excluded in %.3f of runs, alpha %g", rate, a)
	}
	// The Beta-binomial sequence: a fair coin, 300 looks.
	miss = 0
	for range 600 {
		x := 0.0
		for n := 1; n <= 150; n++ {
			if r.Float64() < 0.3 {
				x++
			}
			lo, hi := stats.BetaBinomialCS(x, float64(n), 3, 7, a)
			if 0.3 < lo || 0.3 > hi {
				miss++
				break
			}
		}
	}
	if rate := float64(miss) / 600; rate > a {
		t.Errorf("Beta-binomial sequence ever excluded p in %.3f of runs, alpha %g", rate, a)
	}
}

// Instances as replicates: the same offsets that fail a pooled comparison
// widen a per-instance one, and the spread is reported.
func TestInstancesWidenTheInterval(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency", Kind: KindLatency, Group: "l", Direction: DirIncrease, EffectSize: EffectSize{AllowedIncrease: 1.1}}}
	r := newRNG(21)
	inst := func(levels ...float64) Instances {
		in := Instances{Series: map[string][]float64{}}
		for i, l := range levels {
			in.Series["pod-"+string(rune('a'+i))] = latency(r, 60, 0.2*l, 0.05)
		}
		return in
	}
	c, b := inst(1.25, 1.02, 1.16), inst(0.97, 1.04, 0.95) // slow machines, not a regression
	per := mustJudgeSides(t, p, Side{Instances: map[string]Instances{"latency": c}}, Side{Instances: map[string]Instances{"latency": b}}).Metrics[0]
	cx, _ := c.flatten()
	bx, _ := b.flatten()
	pooled := mustJudge(t, p, map[string][]float64{"latency": cx}, map[string][]float64{"latency": bx}).Metrics[0]
	if pooled.Classification != ClassHigh || per.Classification != ClassPass {
		t.Fatalf("pooled %s (%s); per instance %s (%s)", pooled.Classification, pooled.Reason, per.Classification, per.Reason)
	}
	if per.Canary.Instances != 3 || per.Canary.Spread == nil || !(*per.Canary.Spread > 0.01) || !strings.HasPrefix(per.Method, "replicates_") {
		t.Errorf("per-instance stats %+v method %s", per.Canary, per.Method)
	}
}

// min_total holds per side whether a count metric comes per instance or
// as one series: 3 pods of 10 requests each are 30, short of 100.
func TestInstancesMinTotal(t *testing.T) {
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "errors", Kind: KindCount, Group: "e", Direction: DirIncrease, MinTotal: 100,
		EffectSize: EffectSize{Measure: MeasureRateRatio, AllowedIncrease: 1.5}}}
	pods := func(events float64) Instances {
		in := Instances{Counts: map[string]Count{}}
		for _, pod := range []string{"a", "b", "c"} {
			in.Counts[pod] = Count{Events: []float64{events, 0, 0, 0, 0}, Total: []float64{2, 2, 2, 2, 2}}
		}
		return in
	}
	for name, c := range map[string]Side{
		"per instance": {Instances: map[string]Instances{"errors": pods(2)}},
		"as one count": {Counts: map[string]Count{"errors": {Events: []float64{6, 0, 0, 0, 0}, Total: []float64{6, 6, 6, 6, 6}}}},
	} {
		mr := mustJudgeSides(t, p, c, Side{Instances: map[string]Instances{"errors": pods(0)}}).Metrics[0]
		if mr.Classification != ClassNoData || mr.Rule != RuleNoTraffic || !strings.Contains(mr.Reason, "min_total is 100") {
			t.Errorf("%s: %s / %s (%s); want nodata for too little traffic", name, mr.Classification, mr.Rule, mr.Reason)
		}
	}
}

func TestInstancesJSON(t *testing.T) {
	var s Side
	err := json.Unmarshal([]byte(`{"latency": {"instances": {"pod-a": [1, 2, null], "pod-b": [3]}}, "errors": {"instances": {"pod-a": {"events": [0, 1], "total": [10, 10]}}}}`), &s)
	if err != nil || s.Instances["latency"].Len() != 2 || len(s.Instances["errors"].Counts["pod-a"].Total) != 2 {
		t.Fatalf("%+v %v", s, err)
	}
	for body, want := range map[string]string{
		`{"latency": {"instances": {"pod a": [1]}}}`:                                 "latency.instances.pod a: instance name",
		`{"latency": {"instances": {}}}`:                                             "latency.instances: must name 1 to",
		`{"latency": {"instances": {"a": [1]}, "extra": 1}}`:                         "latency.extra: unknown field",
		`{"latency": {"instances": {"a": [1], "b": {"events": [1], "total": [2]}}}}`: "latency.instances: instances must all be series",
	} {
		err := json.Unmarshal([]byte(body), &s)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
	// Kinds are checked per instance.
	p := DefaultPolicy()
	p.Metrics = []Metric{{Name: "latency", Kind: KindLatency, Group: "l", Direction: DirIncrease}}
	_, err = JudgeSides(p, Side{Instances: map[string]Instances{"latency": {Series: map[string][]float64{"a": {0.1, -1}}}}}, Side{})
	if ve, ok := AsValidation(err); !ok || !hasProblem(ve, "canary.latency.instances.a[1]: must not be negative") {
		t.Errorf("negative latency of an instance: %v", err)
	}
}

// BenchmarkSequentialUpdate50x1440: one sequential update for 50 metrics x
// 1,440 points per side: judge the new window and recompute every metric's
// confidence sequence over the release's 60 windows so far. The budget is
// 50 ms.
func BenchmarkSequentialUpdate50x1440(b *testing.B) {
	p, canary, base := benchWindow(ModeDefault)
	p.Mode = ModeSequential
	p.Windows.MaxWindows = 120
	res, err := JudgeSides(p, canary, base)
	if err != nil {
		b.Fatal(err)
	}
	hist := make([]Window, 59)
	for i := range hist {
		start := t0.Add(time.Duration(i) * 5 * time.Minute)
		hist[i] = Window{Start: start, At: start.Add(5 * time.Minute), Verdict: res.Verdict, Metrics: res.Summaries()}
	}
	now := t0.Add(300 * time.Minute)
	b.ReportAllocs()
	for b.Loop() {
		r, err := JudgeSides(p, canary, base)
		if err != nil {
			b.Fatal(err)
		}
		d := Propose(AnalysisInput{Policy: p, CreatedAt: t0, History: hist, Result: &r, Start: now.Add(-5 * time.Minute), End: now})
		if len(d.Evidence.Sequence) != 50 {
			b.Fatalf("%d sequences", len(d.Evidence.Sequence))
		}
	}
}

// hasKey answers from the top level only, escaped keys included.
func TestHasKey(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"events": [1], "total": [2]}`:     false,
		`{"instances": {"a": [1]}}`:         true,
		`{"\u0069nstances": {"a": [1]}}`:    true,
		`{"a": {"instances": 1}}`:           false,
		`{"events": ["instances"], "x": 1}`: false,
		`not json "instances"`:              false,
	} {
		if got := hasKey(json.RawMessage(raw), "instances"); got != want {
			t.Errorf("hasKey(%s) = %v, want %v", raw, got, want)
		}
	}
}
