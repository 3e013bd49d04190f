package judge

import (
	"time"
)

// Running is a release's evidence so far: what every rule of Propose needs
// of the windows before the newest, kept as counts and sums (acc.go), so
// that a decision costs the same at the release's 250th window as at its
// third. Advance adds one window; folding a release's windows through
// Advance (NewRunning) gives exactly the state that deciding them one by
// one left behind, so a store can keep it beside the release and rebuild
// it from the stored windows at any time. It depends on the policy it was
// built under (PolicyVersion): a new policy version rebuilds it.
type Running struct {
	PolicyVersion int `json:"policy_version"`
	// Windows counts the windows so far; Start is the first one's start,
	// LastStart and LastEnd the newest one's span.
	Windows   int       `json:"windows"`
	Start     time.Time `json:"start,omitzero"`
	LastStart time.Time `json:"last_start,omitzero"`
	LastEnd   time.Time `json:"last_end,omitzero"`
	// Trailing counts, ending with the newest window: failing (without a
	// source error), failing or marginal, missing data, passing with data,
	// with data.
	FailRun int `json:"fail_run,omitempty"`
	BadRun  int `json:"bad_run,omitempty"`
	MissRun int `json:"miss_run,omitempty"`
	PassRun int `json:"pass_run,omitempty"`
	DataRun int `json:"data_run,omitempty"`
	// FedRun: windows in a row with data a pool can use (with data, or
	// too thin to judge alone).
	FedRun int `json:"fed_run,omitempty"`
	// Streaks: per metric, the windows in a row in which it failed on its
	// own data.
	Streaks map[string]int `json:"streaks,omitempty"`
	// Acc: per metric, its windows with data summed.
	Acc map[string]*metricAcc `json:"acc,omitempty"`
	// Recent are the newest windows' summaries of the metrics failing in
	// them (as many windows as a streak is corroborated on), oldest first.
	Recent [][]MetricSummary `json:"recent,omitempty"`
	// NonFiniteFailed and NonFiniteOther name, in order of appearance, the
	// metrics that had points the judge cannot represent: failing on them
	// (default and sequential modes), or not.
	NonFiniteFailed []string `json:"non_finite_failed,omitempty"`
	NonFiniteOther  []string `json:"non_finite_other,omitempty"`
}

// NewRunning folds windows (oldest first) into a running state under p.
func NewRunning(p Policy, version int, ws []Window) Running {
	p = p.withDefaults()
	r := Running{PolicyVersion: version}
	for _, w := range ws {
		r = r.Advance(p, w)
	}
	return r
}

// Advance is r with window w added (p with defaults, or not: it applies
// them). r is not changed.
func (r Running) Advance(p Policy, w Window) Running {
	p = p.withDefaults()
	n := r.clone()
	if n.Windows == 0 {
		n.Start = w.Start
	}
	n.Windows++
	n.LastStart, n.LastEnd = w.Start, w.At
	miss := w.missing()
	n.FailRun = bump(n.FailRun, !w.Error && w.Verdict == VerdictFail)
	n.BadRun = bump(n.BadRun, !w.Error && (w.Verdict == VerdictFail || w.Verdict == VerdictMarginal))
	n.MissRun = bump(n.MissRun, miss)
	n.PassRun = bump(n.PassRun, !miss && w.Verdict == VerdictPass)
	n.DataRun = bump(n.DataRun, !miss)
	n.FedRun = bump(n.FedRun, !miss || w.thin())
	for _, m := range p.Metrics {
		n.Streaks[m.Name] = bump(n.Streaks[m.Name], !miss && w.failed(m.Name))
		acc := n.Acc[m.Name]
		if acc == nil {
			acc = &metricAcc{}
			n.Acc[m.Name] = acc
		}
		for _, s := range w.Metrics {
			if s.Name == m.Name && (s.Class != ClassNoData || s.Thin) {
				acc.add(m, s)
			}
		}
		if p.Mode != ModeSequential {
			acc.First = nil // only the sequences' mixture is tuned on it
		}
	}
	// Only a metric failing in a row is ever corroborated, on its last
	// windows (all failing ones): the others' summaries need not be kept.
	var failing []MetricSummary
	for _, s := range w.Metrics {
		if n.Streaks[s.Name] > 0 {
			failing = append(failing, s)
		}
	}
	keep := max(p.Windows.ConsecutiveFailures, p.Windows.ConsecutiveMarginal, 1)
	n.Recent = append(n.Recent, failing)
	if len(n.Recent) > keep {
		n.Recent = n.Recent[len(n.Recent)-keep:]
	}
	for _, s := range w.Metrics {
		switch {
		case s.NonFinite == 0:
		case (s.Class == ClassHigh || s.Class == ClassLow) && p.Mode != ModeKayenta:
			n.NonFiniteFailed = appendNew(n.NonFiniteFailed, s.Name)
		default:
			n.NonFiniteOther = appendNew(n.NonFiniteOther, s.Name)
		}
	}
	return n
}

func bump(run int, ok bool) int {
	if ok {
		return run + 1
	}
	return 0
}

// clone copies r deeply enough that Advance never changes r: the maps,
// and each metric's sums (copied when the metric is advanced).
func (r Running) clone() Running {
	n := r
	n.Streaks = make(map[string]int, len(r.Streaks))
	for k, v := range r.Streaks {
		n.Streaks[k] = v
	}
	n.Acc = make(map[string]*metricAcc, len(r.Acc))
	for k, v := range r.Acc {
		cp := *v
		cp.C.Inst, cp.B.Inst = cloneInst(v.C.Inst), cloneInst(v.B.Inst)
		n.Acc[k] = &cp
	}
	n.Recent = append([][]MetricSummary(nil), r.Recent...)
	n.NonFiniteFailed = append([]string(nil), r.NonFiniteFailed...)
	n.NonFiniteOther = append([]string(nil), r.NonFiniteOther...)
	return n
}

// accs lists the metrics' sums in the order of p.Metrics (an empty sum for
// a metric the state has not seen).
func (r Running) accs(p Policy) []*metricAcc {
	out := make([]*metricAcc, len(p.Metrics))
	for i, m := range p.Metrics {
		out[i] = r.Acc[m.Name]
		if out[i] == nil {
			out[i] = &metricAcc{}
		}
	}
	return out
}

// recent is the newest n windows' summaries summed for metric m, or nil
// when the release has fewer windows than n.
func (r Running) recent(m Metric, n int) *metricAcc {
	if n > r.Windows || n > len(r.Recent) {
		return nil
	}
	a := &metricAcc{}
	for _, sums := range r.Recent[len(r.Recent)-n:] {
		for _, s := range sums {
			if s.Name == m.Name && (s.Class != ClassNoData || s.Thin) {
				a.add(m, s)
			}
		}
	}
	return a
}
