package judge

import (
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)

func decidePolicy() Policy {
	p := DefaultPolicy()
	p.Windows.MinWindows, p.Windows.MinBake = 3, Duration{15 * time.Minute}
	p.Windows.ConsecutiveFailures, p.Windows.ConsecutiveNoData = 2, 3
	return p
}

func wins(vs ...Verdict) []Window {
	out := make([]Window, len(vs))
	for i, v := range vs {
		out[i] = Window{Verdict: v, Error: v == "error", At: t0.Add(time.Duration(i) * 5 * time.Minute)}
		if v == "error" {
			out[i].Verdict = ""
		}
	}
	return out
}

func res(v Verdict, score float64) *Result { return &Result{Verdict: v, Score: score} }

func TestPropose(t *testing.T) {
	ceiling := &Result{Verdict: VerdictFail, CeilingBreaches: []string{"error_ratio"}}
	cases := []struct {
		name    string
		hist    []Window
		result  *Result
		elapsed time.Duration
		action  Action
		reason  Reason
	}{
		{"first pass is not enough", nil, res(VerdictPass, 100), 5 * time.Minute, ActionWait, ReasonBakeIncomplete},
		{"windows done, bake time not", wins(VerdictPass, VerdictPass), res(VerdictPass, 100), 10 * time.Minute, ActionWait, ReasonBakeIncomplete},
		{"windows and bake done", wins(VerdictPass, VerdictPass), res(VerdictPass, 100), 20 * time.Minute, ActionPromote, ReasonBakeComplete},
		{"recent marginal blocks promote", wins(VerdictPass, VerdictMarginal), res(VerdictPass, 100), 20 * time.Minute, ActionWait, ReasonRecentNotPassing},
		{"recent nodata blocks promote", wins(VerdictPass, VerdictNoData), res(VerdictPass, 100), 20 * time.Minute, ActionWait, ReasonRecentNotPassing},
		{"old failure does not block", wins(VerdictFail, VerdictPass, VerdictPass), res(VerdictPass, 100), 20 * time.Minute, ActionPromote, ReasonBakeComplete},
		{"one spike waits", wins(VerdictPass), res(VerdictFail, 20), 20 * time.Minute, ActionWait, ReasonFailingWindow},
		{"second failure rolls back", wins(VerdictPass, VerdictFail), res(VerdictFail, 20), 20 * time.Minute, ActionRollback, ReasonConsecutiveFailures},
		{"failures interrupted by pass", wins(VerdictFail, VerdictPass), res(VerdictFail, 20), 20 * time.Minute, ActionWait, ReasonFailingWindow},
		{"ceiling fails in one window", nil, ceiling, time.Minute, ActionRollback, ReasonCriticalCeiling},
		{"marginal waits", nil, res(VerdictMarginal, 60), time.Minute, ActionWait, ReasonMarginal},
		{"nodata waits", nil, res(VerdictNoData, 0), time.Minute, ActionWait, ReasonNoData},
		{"source error waits", nil, nil, time.Minute, ActionWait, ReasonSourceError},
		{"third missing window escalates", wins(VerdictNoData, "error"), nil, time.Minute, ActionEscalate, ReasonSourceError},
		{"nodata after fail resets failures", wins(VerdictFail, VerdictNoData), res(VerdictFail, 10), 20 * time.Minute, ActionWait, ReasonFailingWindow},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Propose(AnalysisInput{Policy: decidePolicy(), CreatedAt: t0, History: c.hist, Result: c.result, SourceErr: "timeout", Now: t0.Add(c.elapsed)})
			if d.Action != c.action || d.Reason != c.reason {
				t.Fatalf("got %s/%s (%s), want %s/%s", d.Action, d.Reason, d.Message, c.action, c.reason)
			}
			if d.State != StateFor(d.Action) || d.Message == "" || d.Evidence.Windows != len(c.hist)+1 {
				t.Fatalf("incomplete decision: %+v", d)
			}
			if d.Page != (d.Action == ActionEscalate) {
				t.Fatalf("page = %v for %s", d.Page, d.Action)
			}
		})
	}
}
