package judge

import (
	"fmt"
	"strings"
	"time"
)

// The rules that turn windows into a candidate decision, in order:
//
//  1. Missing data (nodata or a source error) waits, and escalates after
//     consecutive_nodata windows or at the end of the lifetime. Never a
//     promote on missing data.
//  2. A canary past an absolute ceiling rolls back at once.
//  3. Sustained regressions roll back. One anomalous window is noise, so
//     every rule needs the SAME metric failing on its own data in each of
//     the last windows (a spike followed by an unrelated noisy window is
//     not a regression):
//     - a critical or rollback_trigger metric failing in
//     consecutive_failures windows (whatever its weight);
//     - consecutive_failures failing windows;
//     - consecutive_marginal windows, each failing or marginal: marginal
//     windows are evidence against the canary, not a reason to wait forever.
//  4. Pooled evidence (see Pooled): if the windows so far, pooled, show a
//     critical or rollback_trigger metric beyond its allowance, or score a
//     failing verdict, roll back.
//  5. A failing or marginal window waits for the next.
//  6. Promote once min_windows windows and min_bake (window time) are done,
//     the last min_windows windows passed with data, the pooled evidence
//     passes, and it is settled: every pooled metric's interval lies within
//     its allowance. Evidence too thin to settle (low traffic) bakes on.
//  7. At the end of the lifetime (max_windows or max_bake), a release that
//     was not promoted ends. Each metric is settled, shown beyond its
//     allowance, or unsettled; an unsettled metric whose point estimate lies
//     beyond the allowance counts as failing (PooledResult.Final): absence
//     of evidence is not evidence of absence. Escalate if recent windows
//     lacked data or a critical metric never had any; promote when the
//     final verdict passes, no rollback trigger fails and no metric failed
//     in the last two windows in a row; else roll back.
//  8. Never promote a release whose canary or baseline sent a point the
//     judge cannot represent (nonfinite.go), in any window and any mode:
//     roll back when the canary's lay in a bad direction, else escalate.
//
// Guards (freeze, thrash, migrations, cap, baseline health) then apply to
// the candidate; see ApplyGuards.

// Propose turns one window into a candidate decision: the analysis's own
// wish, before any guard. Pure: time is passed in.
func Propose(in AnalysisInput) Decision {
	d, _ := Decide(in)
	return d
}

// Decide is Propose, and the release's running state with this window
// added, for the store to keep for the next one. The state before it is
// in.Running, or (nil) folded from in.History.
func Decide(in AnalysisInput) (Decision, Running) {
	p := in.Policy.withDefaults()
	prev := in.Running
	if prev == nil {
		r := NewRunning(p, in.PolicyVersion, in.History)
		prev = &r
	}
	cur := in.Window()
	run := prev.Advance(p, cur)
	return decide(p, in, cur, run), run
}

// decide applies the rules to the newest window cur, run being the state
// with cur added.
func decide(p Policy, in AnalysisInput, cur Window, run Running) Decision {
	w := p.Windows
	elapsed := cur.At.Sub(run.Start)
	ev := Evidence{Windows: run.Windows, MaxWindows: w.MaxWindows, SourceError: in.SourceErr,
		BakeElapsed: elapsed.Round(time.Second).String(), Window: &Span{Start: cur.Start, End: cur.At}}
	ev.LifetimeOver = (w.MaxWindows > 0 && run.Windows >= w.MaxWindows) || (w.MaxBake.Duration > 0 && elapsed >= w.MaxBake.Duration)
	ev.ConsecutiveFailures, ev.ConsecutiveNoData = run.FailRun, run.MissRun
	if r := in.Result; r != nil {
		score := r.Score
		ev.Verdict, ev.Score = r.Verdict, &score
		ev.CeilingBreaches, ev.BaselineBreaches = r.CeilingBreaches, r.BaselineBreaches
		ev.FailingMetrics = failingMetrics(r)
		ev.Streaks = run.streaksOf(ev.FailingMetrics)
	}
	accs := run.accs(p)
	if p.Mode != ModeKayenta {
		pc, pb := pooledCeilings(p, accs)
		ev.CeilingBreaches, ev.BaselineBreaches = union(ev.CeilingBreaches, pc), union(ev.BaselineBreaches, pb)
	}
	var pooled *PooledResult
	if p.Mode != ModeSequential {
		pooled = pooledFrom(p, accs, ev.LifetimeOver)
		ev.Pooled = pooledEvidence(pooled)
	}
	lk := look{p: p, cur: cur, run: run, accs: accs, elapsed: elapsed, pooled: pooled}
	d := lk.propose(Decision{Evidence: ev})
	return floorUnjudgeable(floorCeilings(d, p, accs), run)
}

// look is what the rules see of one window: the policy (with defaults),
// the window, the running state with it added, each metric's sums (in the
// order of p.Metrics), the window time since the first window started,
// and the pooled judgement (nil in modes kayenta and sequential).
type look struct {
	p       Policy
	cur     Window
	run     Running
	accs    []*metricAcc
	elapsed time.Duration
	pooled  *PooledResult
}

// propose applies rules 1 to 7 (the mode's own) to a window with evidence.
func (lk look) propose(d Decision) Decision {
	ev, p := d.Evidence, lk.p
	if lk.cur.missing() {
		if !ev.LifetimeOver || !lk.cur.thin() || p.Mode == ModeKayenta || lk.run.MissRun >= p.Windows.ConsecutiveNoData {
			return proposeMissing(d, p.Windows, lk.cur)
		}
		// The lifetime ends on a window with data too thin to judge alone:
		// the release's pooled evidence decides, as on any last window.
		if p.Mode == ModeSequential {
			return lk.proposeSequential(d)
		}
		return lk.proposeLifetimeEnd(d, false, p.Windows.baked(lk.run.Windows, lk.elapsed))
	}
	if len(ev.CeilingBreaches) > 0 {
		return d.with(ActionRollback, ReasonCriticalCeiling, fmt.Sprintf("canary breached the absolute ceiling of %s (shown by this window, or by the release's windows pooled)", names(ev.CeilingBreaches)))
	}
	if p.Mode == ModeSequential {
		return lk.proposeSequential(d)
	}
	if r, msg := lk.sustained(ev.Streaks); r != "" {
		return d.with(ActionRollback, r, msg)
	}
	if name := pooledFailure(p, lk.pooled); name != "" {
		return d.with(ActionRollback, ReasonPooledRegression, fmt.Sprintf("the %d windows so far, pooled, show a regression: %s", lk.run.Windows, name))
	}
	return lk.proposeSettled(d)
}

// proposeMissing: wait, or escalate after consecutive_nodata windows or at
// the end of the lifetime.
func proposeMissing(d Decision, w Windows, cur Window) Decision {
	ev := d.Evidence
	reason, what := ReasonNoData, "no data"
	if cur.Error {
		reason, what = ReasonSourceError, "metric source error"
	}
	switch {
	case ev.ConsecutiveNoData >= w.ConsecutiveNoData:
		return d.with(ActionEscalate, reason, fmt.Sprintf("%s for %d consecutive windows (limit %d)", what, ev.ConsecutiveNoData, w.ConsecutiveNoData))
	case ev.LifetimeOver:
		return d.with(ActionEscalate, reason, fmt.Sprintf("%s in the last window of the release's lifetime (%d windows, %s); a human must decide", what, ev.Windows, ev.BakeElapsed))
	}
	return d.with(ActionWait, reason, fmt.Sprintf("%s in this window (%d of %d before escalating); never promoting on missing data", what, ev.ConsecutiveNoData, w.ConsecutiveNoData))
}

// proposeSettled handles a window with data and no rollback: wait, promote,
// or end the lifetime.
func (lk look) proposeSettled(d Decision) Decision {
	p, pooled, elapsed, n := lk.p, lk.pooled, lk.elapsed, lk.run.Windows
	w, ev, cur := p.Windows, d.Evidence, lk.cur
	recent := min(n, max(w.MinWindows, 1))
	recentPass := lk.run.PassRun >= recent
	recentMissing := lk.run.FedRun < recent // windows too thin to judge alone still feed the pool
	pooledPass := pooled == nil || pooled.Verdict == VerdictPass || pooled.Verdict == VerdictNoData
	unsettled := pooled != nil && len(pooled.Unsettled) > 0
	bakeDone := w.baked(n, elapsed)
	canPromote := bakeDone && recentPass && pooledPass && cur.Verdict == VerdictPass
	switch {
	case canPromote && !unsettled:
		return d.with(ActionPromote, ReasonBakeComplete, fmt.Sprintf("%d windows over %s, the last %d passing with data%s",
			n, elapsed.Round(time.Second), recent, pooledText(pooled)))
	case ev.LifetimeOver:
		return lk.proposeLifetimeEnd(d, recentMissing, bakeDone)
	case cur.Verdict == VerdictFail:
		return d.with(ActionWait, ReasonFailingWindow, fmt.Sprintf("window failed (%s of %d consecutive before rollback); failing metrics %s",
			streakText(ev.Streaks), w.ConsecutiveFailures, orNone(names(ev.FailingMetrics))))
	case cur.Verdict == VerdictMarginal:
		return d.with(ActionWait, ReasonMarginal, fmt.Sprintf("score %.2f is marginal (pass needs %.2f); %s of %d consecutive marginal windows before rollback; failing metrics %s",
			*ev.Score, p.Thresholds.Pass, streakText(ev.Streaks), w.ConsecutiveMarginal, orNone(names(ev.FailingMetrics))))
	case !bakeDone:
		return d.with(ActionWait, ReasonBakeIncomplete, fmt.Sprintf("window passed; bake incomplete: %d of %d windows, %s of %s",
			n, w.MinWindows, elapsed.Round(time.Second), w.MinBake.Duration))
	case !recentPass:
		return d.with(ActionWait, ReasonRecentNotPassing, fmt.Sprintf("the last %d windows are not all passing", recent))
	case canPromote:
		return d.with(ActionWait, ReasonUnsettled, fmt.Sprintf("no regression so far, but the evidence for %s does not yet lie within the allowance (too little data to promote early); baking on, window %d of %d",
			names(pooled.Unsettled), n, w.Lifetime()))
	}
	return d.with(ActionWait, ReasonPooledNotPassing, "this window passed but the windows so far, pooled, do not"+pooledText(pooled))
}

// proposeLifetimeEnd ends a release whose lifetime is over (rule 7): the
// pooled evidence's final verdict (unsettled estimates beyond their
// allowance failing), no metric failing in the last two windows in a row
// (one failing window at the end is noise, as anywhere else), and data in
// the recent windows.
func (lk look) proposeLifetimeEnd(d Decision, recentMissing, bakeDone bool) Decision {
	p, pooled, ev := lk.p, lk.pooled, d.Evidence
	sustainedBad := false
	for _, n := range ev.Streaks {
		sustainedBad = sustainedBad || n >= 2
	}
	span := fmt.Sprintf("%d windows, %s", lk.run.Windows, lk.elapsed.Round(time.Second))
	var final *Result
	var empty []string
	if pooled != nil {
		final, empty = pooled.Final, pooled.Empty
	}
	failure := finalFailure(p, final)
	switch {
	case recentMissing && !sustainedBad:
		return d.with(ActionEscalate, ReasonNoData, "the release's lifetime ended ("+span+") and recent windows lacked data; a human must decide")
	case len(empty) > 0 || (final != nil && final.Verdict == VerdictNoData):
		return d.with(ActionEscalate, ReasonNoData, fmt.Sprintf("the release's lifetime ended (%s) and critical metrics %s never had data%s; a human must decide", span, names(empty), finalText(final)))
	case !bakeDone && !sustainedBad && failure == "":
		return d.with(ActionEscalate, ReasonLifetimeExhausted, fmt.Sprintf("the release's lifetime ended (%s) before min_bake %s (windows too short?); nothing failed, a human must decide",
			span, p.Windows.MinBake.Duration))
	case failure == "" && !sustainedBad:
		msg := "the release's lifetime ended (" + span + "); no sustained regression and every metric settled or estimated within its allowance" + finalText(final)
		if cur := lk.cur; cur.Verdict != VerdictPass {
			msg += "; the last window alone is " + string(cur.Verdict) + " (one window is noise)"
		}
		return d.with(ActionPromote, ReasonLifetimeComplete, msg)
	}
	why := failure
	if sustainedBad {
		why = "metrics failing in the last windows in a row: " + streakList(ev.Streaks)
	}
	return d.with(ActionRollback, ReasonLifetimeExhausted, "the release's lifetime ended ("+span+") without passing: "+why)
}

// finalFailure names what fails the end of a lifetime: a critical or
// rollback_trigger metric failing by its estimate, or a final verdict
// short of pass ("" when it passes).
func finalFailure(p Policy, final *Result) string {
	if final == nil {
		return ""
	}
	var trig []string
	for _, m := range final.Metrics {
		if pm := p.metric(m.Name); (m.Classification == ClassHigh || m.Classification == ClassLow) && (pm.Critical || pm.RollbackTrigger) {
			trig = append(trig, m.Name+": "+m.Reason)
		}
	}
	switch {
	case len(trig) > 0:
		return strings.Join(trig, "; ")
	case final.Verdict != VerdictPass && final.Verdict != VerdictNoData:
		return "the final verdict is " + string(final.Verdict) + " (" + final.Reason + ")" + finalText(final)
	}
	return ""
}

// finalText lists the metrics that never settled, with their estimates.
func finalText(final *Result) string {
	if final == nil {
		return ""
	}
	var out []string
	for _, m := range final.Metrics {
		if m.Rule == RuleEstimateBeyond || m.Rule == RuleInconclusive {
			out = append(out, m.Name+" "+m.Reason)
		}
	}
	if len(out) == 0 {
		return ""
	}
	return "; not settled: " + strings.Join(out, "; ")
}

// streaksOf is, for each failing metric, the windows in a row (ending with
// the newest) in which it failed on its own data.
func (r Running) streaksOf(failing []string) map[string]int {
	if len(failing) == 0 {
		return nil
	}
	out := make(map[string]int, len(failing))
	for _, name := range failing {
		out[name] = r.Streaks[name]
	}
	return out
}

// sustained applies rule 3. Windows without per-metric summaries (kayenta
// mode) fall back to whole-window verdicts.
func (lk look) sustained(st map[string]int) (Reason, string) {
	p := lk.p
	w := p.Windows
	failRun, badRun := lk.run.FailRun, lk.run.BadRun
	if p.Mode == ModeKayenta { // no per-metric summaries: whole-window verdicts
		st = map[string]int{"(any metric)": badRun}
	}
	for _, name := range sortedKeys(st) {
		s := st[name]
		m := p.metric(name)
		if m.Name != "" && !lk.corroborated(m, min(s, max(w.ConsecutiveFailures, w.ConsecutiveMarginal))) {
			continue
		}
		switch {
		case (m.Critical || m.RollbackTrigger) && s >= w.ConsecutiveFailures:
			return ReasonSustainedRegression, fmt.Sprintf("%s, a rollback trigger, failed in %d consecutive windows (limit %d)", name, s, w.ConsecutiveFailures)
		case min(s, failRun) >= w.ConsecutiveFailures:
			return ReasonConsecutiveFailures, fmt.Sprintf("%d consecutive failing windows, %s failing in each (limit %d)", min(s, failRun), name, w.ConsecutiveFailures)
		case min(s, badRun) >= w.ConsecutiveMarginal:
			return ReasonConsecutiveMarginal, fmt.Sprintf("%d consecutive marginal or failing windows, %s failing in each (limit %d)", min(s, badRun), name, w.ConsecutiveMarginal)
		}
	}
	return "", ""
}

// pooledFailure names what fails in the pooled evidence (rule 4), or "".
func pooledFailure(p Policy, pooled *PooledResult) string {
	if pooled == nil {
		return ""
	}
	var trig []string
	for _, m := range pooled.Metrics {
		pm := p.metric(m.Name)
		if (m.Classification == ClassHigh || m.Classification == ClassLow) && (pm.Critical || pm.RollbackTrigger) {
			trig = append(trig, m.Name+" ("+m.Reason+")")
		}
	}
	switch {
	case len(trig) > 0:
		return strings.Join(trig, "; ")
	case pooled.Verdict == VerdictFail:
		return pooled.Reason
	}
	return ""
}

// streakList is "errors 2 windows, latency_p99 1 window".
func streakList(st map[string]int) string {
	var out []string
	for _, name := range sortedKeys(st) {
		unit := "windows"
		if st[name] == 1 {
			unit = "window"
		}
		out = append(out, fmt.Sprintf("%s %d %s", name, st[name], unit))
	}
	return strings.Join(out, ", ")
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func streakText(st map[string]int) string {
	best := 0
	for _, n := range st {
		best = max(best, n)
	}
	return fmt.Sprint(best)
}

func pooledText(pooled *PooledResult) string {
	if pooled == nil {
		return ""
	}
	return fmt.Sprintf("; pooled evidence %s (%s)", pooled.Verdict, pooled.Reason)
}

// PooledEvidence is the pooled judgement as a decision shows it.
type PooledEvidence struct {
	Verdict Verdict `json:"verdict"`
	Score   float64 `json:"score"`
	Reason  string  `json:"reason"`
	Alpha   float64 `json:"alpha"`
	// Unsettled metrics' intervals do not yet lie within the allowance.
	Unsettled []string       `json:"unsettled,omitempty"`
	Metrics   []PooledMetric `json:"metrics"`
}

// PooledMetric is one metric's pooled effect and interval.
type PooledMetric struct {
	Name           string         `json:"name"`
	Classification Classification `json:"classification"`
	Windows        int            `json:"windows"`
	Value          *float64       `json:"value"`
	Lower          *float64       `json:"lower"`
	Upper          *float64       `json:"upper"`
	Level          float64        `json:"level"`
}

func pooledEvidence(r *PooledResult) *PooledEvidence {
	if r == nil {
		return nil
	}
	pe := &PooledEvidence{Verdict: r.Verdict, Score: r.Score, Reason: r.Reason, Unsettled: r.Unsettled, Metrics: make([]PooledMetric, 0, len(r.Metrics))}
	for _, m := range r.Metrics {
		pe.Metrics = append(pe.Metrics, PooledMetric{Name: m.Name, Classification: m.Classification, Windows: m.N,
			Value: m.Effect.Value, Lower: m.Effect.Lower, Upper: m.Effect.Upper, Level: m.Effect.Level})
		if m.Effect.Level > 0 {
			pe.Alpha = 1 - m.Effect.Level
		}
	}
	return pe
}
