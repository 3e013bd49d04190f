package sourcetest

import (
	"math"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// healthy: every query of the example policy gives one series of 20
// points and no problem, every request is ok, the values are the data's,
// and the judge passes the canary.
func healthy(t *testing.T, e *env) {
	src := e.open(t, Options{Retries: 2})
	res, err := e.fetch(t, src, e.request(e.policy.Metrics, scope(AppHealthy, "canary")))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkFull(t, res)
	for name, sd := range map[string]judge.Side{"canary": res.Canary, "baseline": res.Baseline} {
		ev, tot := sums(sd.Counts["errors"])
		if r := ev / tot; tot/wantPoints < 500 || tot/wantPoints > 1000 || r < 0.002 || r > 0.01 {
			t.Errorf("%s errors: %g of %g requests (%.4f), want about 720-750 a point and 0.5 %%", name, ev, tot, r)
		}
		if c := mean(sd.Series["cpu"]); c < 0.35 || c > 0.7 {
			t.Errorf("%s cpu mean %g, want about 0.5", name, c)
		}
		if l := mean(sd.Series["latency_p99"]); l < 0.2 || l > 0.45 {
			t.Errorf("%s latency_p99 mean %g, want about 0.32", name, l)
		}
	}
	r := judgeWindow(t, e, res)
	for _, m := range r.Metrics {
		if m.Classification != judge.ClassPass {
			t.Errorf("healthy canary: %s is %s (%s), want pass", m.Name, m.Classification, m.Reason)
		}
	}
}

// checkFull: every query gave one series of 20 points, no problem, and
// every request was ok.
func checkFull(t *testing.T, res source.Result) {
	t.Helper()
	for _, a := range res.Asked {
		if a.Series != 1 || a.Points != wantPoints || a.Problem != "" || a.NonFinite != 0 {
			t.Errorf("%s %s %s: %d series, %d points, problem %q; want one series of %d points (query %s)", a.Metric, a.Side, a.Part, a.Series, a.Points, a.Problem, wantPoints, a.Query)
		}
	}
	if len(res.Asked) == 0 || res.Requests < len(res.Asked) || res.Outcomes[source.OutcomeOK] != res.Requests {
		t.Errorf("%d queries, %d requests, outcomes %v: want every request counted ok", len(res.Asked), res.Requests, res.Outcomes)
	}
}

// regression: the bad canary's errors come back about 5x the baseline's,
// and the judge fails the errors metric.
func regression(t *testing.T, e *env) {
	src := e.open(t, Options{})
	req := e.request(e.policy.Metrics, scope(AppBad, "canary"))
	req.Baseline = scope(AppBad, "baseline")
	res, err := e.fetch(t, src, req)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	checkFull(t, res)
	ce, ct := sums(res.Canary.Counts["errors"])
	be, bt := sums(res.Baseline.Counts["errors"])
	if ratio := (ce / ct) / (be / bt); ratio < 3 || ratio > 8 {
		t.Errorf("canary error rate %g / baseline %g = %.2f, want about 5", ce/ct, be/bt, ratio)
	}
	r := judgeWindow(t, e, res)
	if m := metric(r, "errors"); m == nil || m.Classification != judge.ClassHigh {
		t.Errorf("errors judged %+v, want high (a regression)", m)
	}
	if r.Verdict != judge.VerdictFail {
		t.Errorf("verdict %s (%s), want fail", r.Verdict, r.Reason)
	}
}

// empty: a scope that matches nothing is no error; that side is left out,
// every query of it says so, and the judge makes every metric nodata.
func empty(t *testing.T, e *env) {
	src := e.open(t, Options{})
	res, err := e.fetch(t, src, e.request(e.policy.Metrics, scope("nope", "canary")))
	if err != nil {
		t.Fatalf("an empty result aborted the window: %v", err)
	}
	if !res.Canary.Empty() || res.Baseline.Empty() {
		t.Fatalf("canary %+v, baseline empty %v: want an empty canary and a full baseline", res.Canary, res.Baseline.Empty())
	}
	for _, a := range res.Asked {
		if a.Side == "canary" && !strings.Contains(a.Problem, "empty result") {
			t.Errorf("%s canary %s: problem %q, want the empty result named", a.Metric, a.Part, a.Problem)
		}
	}
	r := judgeWindow(t, e, res)
	for _, m := range r.Metrics {
		if m.Classification != judge.ClassNoData || m.Reason == "" {
			t.Errorf("%s: %s (%q), want nodata with its reason", m.Name, m.Classification, m.Reason)
		}
	}
	if r.Verdict != judge.VerdictNoData {
		t.Errorf("verdict %s, want nodata", r.Verdict)
	}
}

// partial: a canary that stopped reporting halfway gives the points it
// has (about half), counted, without an error.
func partial(t *testing.T, e *env) {
	src := e.open(t, Options{})
	res, err := e.fetch(t, src, e.request(e.policy.Metrics, scope(AppPartial, "canary")))
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for _, a := range res.Asked {
		lo, hi := wantPoints, wantPoints
		if a.Side == "canary" {
			lo, hi = 8, 16 // 10 intervals, and a backend's look-back (e.g. rate over 1m) may add a few
		}
		if a.Series != 1 || a.Points < lo || a.Points > hi {
			t.Errorf("%s %s %s: %d series of %d points, want one of %d-%d", a.Metric, a.Side, a.Part, a.Series, a.Points, lo, hi)
		}
	}
	if n := len(res.Canary.Series["cpu"]) - missing(res.Canary.Series["cpu"]); n < 8 || n > 16 {
		t.Errorf("canary cpu has %d points, want about 10", n)
	}
}

// instances: a per-instance metric gives each side its three pods.
func instances(t *testing.T, e *env) {
	src := e.open(t, Options{})
	req := e.request(e.h.Instances, scope(AppPods, "canary"))
	req.Baseline = scope(AppPods, "baseline")
	res, err := e.fetch(t, src, req)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	for side, sd := range map[string]judge.Side{"canary": res.Canary, "baseline": res.Baseline} {
		for _, m := range e.h.Instances {
			in := sd.Instances[m.Name]
			n := len(in.Series) + len(in.Counts)
			if n != 3 {
				t.Errorf("%s %s: %d instances (%v), want 3 pods", side, m.Name, n, in)
			}
			for pod, c := range in.Counts {
				if _, tot := sums(c); len(c.Total) != wantPoints || tot/wantPoints < 150 || tot/wantPoints > 450 {
					t.Errorf("%s %s pod %s: %d points, %g requests, want %d points of about 300", side, m.Name, pod, len(c.Total), tot, wantPoints)
				}
			}
		}
	}
	for _, a := range res.Asked {
		if a.Series != 3 || a.Points != 3*wantPoints {
			t.Errorf("%s %s %s: %d series, %d points; want 3 of %d", a.Metric, a.Side, a.Part, a.Series, a.Points, wantPoints)
		}
	}
}

// several: a query that gives several series for one side fails the
// window with an error naming the backend, the metric and the series.
func several(t *testing.T, e *env) {
	src := e.open(t, Options{})
	ms := []judge.Metric{{Name: "several", Group: "g", Kind: judge.KindGauge, Direction: judge.DirIncrease, Query: e.h.Several}}
	_, err := e.fetch(t, src, e.request(ms, scope(AppHealthy, "canary")))
	if err == nil {
		t.Fatal("several series were accepted")
	}
	for _, want := range []string{e.h.Type, "several (canary)", "series, want one", "200", "500"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want %q in it", err, want)
		}
	}
}

// nonFinite: every non-finite sample is counted in the Asked entry and the
// result and kept in the series as sent, never dropped; a backend that
// cannot send them fails the window saying so.
func nonFinite(t *testing.T, e *env) {
	src := e.open(t, Options{})
	ms := []judge.Metric{{Name: "overflow", Group: "g", Kind: judge.KindGauge, Direction: judge.DirIncrease, Query: e.h.NonFinite}}
	res, err := e.fetch(t, src, e.request(ms, scope(AppHealthy, "canary")))
	if e.h.NonFiniteFails != "" {
		if err == nil || !strings.Contains(err.Error(), "Inf") || !strings.Contains(err.Error(), "overflow (canary)") {
			t.Fatalf("err = %v; want the window failed naming the metric and the non-finite value (%s)", err, e.h.NonFiniteFails)
		}
		return
	}
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	xs := res.Canary.Series["overflow"]
	inf := 0
	for _, x := range xs {
		if math.IsInf(x, 0) {
			inf++
		}
	}
	a := res.Asked[0]
	if inf == 0 || a.NonFinite != inf || res.NonFinite["overflow"].Canary != inf || !strings.Contains(a.Problem, "non-finite") {
		t.Errorf("series %v (%d infinite), asked %+v, result %v: want every non-finite value kept and counted", xs, inf, a, res.NonFinite)
	}
	if len(xs) != a.Points || a.Points < wantPoints/2 {
		t.Errorf("%d values of %d points: none may be dropped", len(xs), a.Points)
	}
}
