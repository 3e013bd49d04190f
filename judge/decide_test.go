package judge

import (
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

// decidePolicy: a critical count metric (errors), a latency of weight 30
// that is not a rollback trigger (a failure alone is a marginal window) and
// cpu; lifetime 6 windows.
func decidePolicy() Policy {
	ceiling := 0.05
	p := DefaultPolicy()
	p.Thresholds = Thresholds{Pass: 80, Marginal: 60}
	p.Groups = map[string]float64{"errors": 50, "latency": 30}
	p.Metrics = []Metric{
		{Name: "errors", Kind: KindCount, Group: "errors", Direction: DirIncrease, Critical: true,
			EffectSize: EffectSize{AllowedIncrease: 1.2}, Ceiling: &ceiling},
		{Name: "latency", Kind: KindLatency, Group: "latency", Direction: DirIncrease, EffectSize: EffectSize{AllowedIncrease: 1.2}},
		{Name: "cpu", Group: "saturation", Direction: DirIncrease},
	}
	p.Windows.MinWindows, p.Windows.MinBake = 3, D(15*time.Minute)
	p.Windows.ConsecutiveFailures, p.Windows.ConsecutiveMarginal, p.Windows.ConsecutiveNoData = 2, 3, 3
	p.Windows.MaxWindows = 6
	return p
}

// win describes one window: error counts per side, the canary's latency
// factor, and whether the source failed.
type win struct {
	ce, ct, be, bt float64
	latency        float64
	sourceErr      bool
}

var (
	healthy   = win{ce: 300, ct: 60000, be: 300, bt: 60000, latency: 1}
	spike     = win{ce: 1500, ct: 60000, be: 300, bt: 60000, latency: 1}
	slow      = win{ce: 300, ct: 60000, be: 300, bt: 60000, latency: 1.6}
	thinHeal  = win{ce: 1, ct: 300, be: 1, bt: 300, latency: 1}         // low traffic, healthy
	thinBad   = win{ce: 5, ct: 300, be: 1, bt: 300, latency: 1}         // low traffic, errors x5
	thinX2    = win{ce: 2, ct: 300, be: 1, bt: 300, latency: 1}         // low traffic, errors x2: cannot be told from healthy
	edgeX125  = win{ce: 375, ct: 60000, be: 300, bt: 60000, latency: 1} // errors x1.25, just past the allowed 1.2
	noSource  = win{sourceErr: true}
	ceilingHi = win{ce: 6000, ct: 60000, be: 300, bt: 60000, latency: 1}
)

// replay runs windows through Propose as the engine does (five-minute
// windows, history with summaries) and returns every decision.
func replay(t *testing.T, p Policy, ws ...win) []Decision {
	t.Helper()
	var hist []Window
	var out []Decision
	for i, w := range ws {
		start := t0.Add(time.Duration(i) * 5 * time.Minute)
		in := AnalysisInput{Policy: p, CreatedAt: t0, History: hist, Start: start, End: start.Add(5 * time.Minute), Now: start.Add(5 * time.Minute)}
		cur := Window{Start: in.Start, At: in.End, Error: w.sourceErr}
		if w.sourceErr {
			in.SourceErr = "timeout"
		} else {
			r := newRNG(uint64(100 + i))
			c := Side{Series: Samples{"latency": scale(latency(r, 60, 0.2, 0.05), w.latency), "cpu": ar1Series(uint64(i), 60, 40, 2, 0.3)},
				Counts: map[string]Count{"errors": even(w.ce, w.ct, 60)}}
			b := Side{Series: Samples{"latency": latency(r, 60, 0.2, 0.05), "cpu": ar1Series(uint64(50+i), 60, 40, 2, 0.3)},
				Counts: map[string]Count{"errors": even(w.be, w.bt, 60)}}
			res := mustJudgeSides(t, p, c, b)
			in.Result = &res
			cur.Verdict, cur.Metrics = res.Verdict, res.Summaries()
		}
		d := Propose(in)
		if d.State != StateFor(d.Action) || d.Message == "" || d.Evidence.Windows != i+1 || d.Page != (d.Action == ActionEscalate) {
			t.Fatalf("window %d: incomplete decision %+v", i+1, d)
		}
		out = append(out, d)
		hist = append(hist, cur)
	}
	return out
}

type want struct {
	action Action
	reason Reason
}

func TestPropose(t *testing.T) {
	cases := []struct {
		name string
		ws   []win
		want []want // one per window
	}{
		{"healthy: bake, then promote", []win{healthy, healthy, healthy},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionPromote, ReasonBakeComplete}}},
		{"one spike is noise", []win{healthy, spike, healthy, healthy, healthy},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonFailingWindow}, {ActionWait, ReasonRecentNotPassing},
				{ActionWait, ReasonRecentNotPassing}, {ActionPromote, ReasonBakeComplete}}},
		{"a sustained regression of a critical metric rolls back", []win{healthy, spike, spike},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonFailingWindow}, {ActionRollback, ReasonSustainedRegression}}},
		{"a spike then another metric failing is not sustained", []win{spike, slow, healthy},
			[]want{{ActionWait, ReasonFailingWindow}, {ActionWait, ReasonMarginal}, {ActionWait, ReasonRecentNotPassing}}},
		{"marginal windows are evidence: three in a row roll back", []win{slow, slow, slow},
			[]want{{ActionWait, ReasonMarginal}, {ActionWait, ReasonMarginal}, {ActionRollback, ReasonConsecutiveMarginal}}},
		{"a ceiling rolls back in one window", []win{ceilingHi},
			[]want{{ActionRollback, ReasonCriticalCeiling}}},
		{"missing data waits, then escalates", []win{healthy, noSource, noSource, noSource},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonSourceError}, {ActionWait, ReasonSourceError}, {ActionEscalate, ReasonSourceError}}},
		{"thin evidence bakes the whole lifetime, then promotes", []win{thinHeal, thinHeal, thinHeal, thinHeal, thinHeal, thinHeal},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonUnsettled},
				{ActionWait, ReasonUnsettled}, {ActionWait, ReasonUnsettled}, {ActionPromote, ReasonLifetimeComplete}}},
		{"low-traffic errors x5: no window shows it, the pool does", []win{thinBad, thinBad, thinBad, thinBad, thinBad, thinBad},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonUnsettled},
				{ActionRollback, ReasonPooledRegression}, {}}},
		{"errors x1.25 never proven beyond 1.2: its estimate ends the lifetime", []win{edgeX125, edgeX125, edgeX125, edgeX125, edgeX125, edgeX125},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonUnsettled},
				{ActionWait, ReasonUnsettled}, {ActionWait, ReasonUnsettled}, {ActionRollback, ReasonLifetimeExhausted}}},
		{"low-traffic errors x2 cannot be told from healthy: promoted, said so", []win{thinX2, thinX2, thinX2, thinX2, thinX2, thinX2},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonUnsettled},
				{ActionWait, ReasonUnsettled}, {ActionWait, ReasonUnsettled}, {ActionPromote, ReasonLifetimeComplete}}},
		{"lifetime ends on a marginal window: roll back", []win{healthy, healthy, slow, slow, healthy, slow},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonMarginal},
				{ActionWait, ReasonMarginal}, {ActionWait, ReasonRecentNotPassing}, {ActionRollback, ReasonLifetimeExhausted}}},
		{"lifetime ends without data: escalate", []win{healthy, slow, healthy, healthy, noSource, noSource},
			[]want{{ActionWait, ReasonBakeIncomplete}, {ActionWait, ReasonMarginal}, {ActionWait, ReasonRecentNotPassing},
				{ActionWait, ReasonRecentNotPassing}, {ActionWait, ReasonSourceError}, {ActionEscalate, ReasonSourceError}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ds := replay(t, decidePolicy(), c.ws...)
			for i, w := range c.want {
				if w.action == "" {
					break // the release ended earlier
				}
				if ds[i].Action != w.action || ds[i].Reason != w.reason {
					t.Fatalf("window %d: %s/%s (%s), want %s/%s", i+1, ds[i].Action, ds[i].Reason, ds[i].Message, w.action, w.reason)
				}
				if w.action != ActionWait {
					break
				}
			}
		})
	}
}

// The end of a lifetime names the metric that never settled, its estimate
// and its interval, whichever way it ends.
func TestLifetimeEndSaysWhatNeverSettled(t *testing.T) {
	ds := replay(t, decidePolicy(), edgeX125, edgeX125, edgeX125, edgeX125, edgeX125, edgeX125)
	if m := ds[5].Message; !strings.Contains(m, "errors: rate_ratio 1.25 [") || !strings.Contains(m, "its estimate lies above the allowed increase 1.2 (never settled: counts as failing)") {
		t.Errorf("rollback message %q", m)
	}
	ds = replay(t, decidePolicy(), thinX2, thinX2, thinX2, thinX2, thinX2, thinX2)
	if m := ds[5].Message; ds[5].Action != ActionPromote || !strings.Contains(m, "errors rate_ratio 2 [") || !strings.Contains(m, "cannot be told from its baseline at all") {
		t.Errorf("promote message %q", m)
	}
	ds = replay(t, decidePolicy(), thinHeal, thinHeal, thinHeal, thinHeal, thinHeal, thinHeal)
	if m := ds[5].Message; ds[5].Action != ActionPromote || !strings.Contains(m, "not settled: errors rate_ratio 1 [") || !strings.Contains(m, "never settled, but its estimate lies within the allowance <= 1.2") {
		t.Errorf("promote message %q", m)
	}
}

// A lifetime set by max_bake alone is counted in windows all the same.
func TestUnsettledCountsTheLifetime(t *testing.T) {
	p := decidePolicy()
	p.Windows.MaxWindows, p.Windows.MaxBake = 0, D(30*time.Minute)
	ds := replay(t, p, thinHeal, thinHeal, thinHeal)
	if ds[2].Reason != ReasonUnsettled || !strings.Contains(ds[2].Message, "window 3 of 6") {
		t.Fatalf("window 3: %s (%s), want unsettled at window 3 of 6", ds[2].Reason, ds[2].Message)
	}
}

// Evidence carries the window's times, the streaks and the pooled
// intervals a chart can draw.
func TestProposeEvidence(t *testing.T) {
	ds := replay(t, decidePolicy(), healthy, spike, spike)
	ev := ds[2].Evidence
	if ev.Window == nil || !ev.Window.End.Equal(t0.Add(15*time.Minute)) || ev.Streaks["errors"] != 2 || ev.BakeElapsed != "15m0s" {
		t.Fatalf("evidence %+v", ev)
	}
	if ev.Pooled == nil || len(ev.Pooled.Metrics) != 3 || ev.Pooled.Alpha == 0 || ev.Pooled.Metrics[0].Windows != 2 {
		t.Fatalf("pooled %+v", ev.Pooled)
	}
}

// Kayenta mode keeps no per-metric summaries: failing windows in a row
// (any metric) roll back, as before.
func TestProposeWithoutSummaries(t *testing.T) {
	p := decidePolicy()
	p.Mode = ModeKayenta
	fail := &Result{Verdict: VerdictFail, Score: 20}
	hist := []Window{{Verdict: VerdictFail, Start: t0, At: t0.Add(5 * time.Minute)}}
	d := Propose(AnalysisInput{Policy: p, CreatedAt: t0, History: hist, Result: fail, Now: t0.Add(10 * time.Minute)})
	if d.Action != ActionRollback || d.Reason != ReasonConsecutiveFailures {
		t.Fatalf("%s/%s: %s", d.Action, d.Reason, d.Message)
	}
}
