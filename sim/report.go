package sim

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat/distuv"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Row is one scenario's line of the table.
type Row struct {
	Policy    string `json:"policy,omitempty"` // label, when several policies are compared
	Scenario  string `json:"scenario"`
	Kind      Kind   `json:"kind"`
	About     string `json:"about"`
	Releases  int    `json:"releases"`
	Promote   int    `json:"promote"`
	Rollback  int    `json:"rollback"`
	Escalate  int    `json:"escalate"`
	Undecided int    `json:"undecided"`
	// Rate is the share that matters for the kind: rolled back (healthy),
	// rolled back within Within windows (regression), escalated (unhealthy);
	// Lower and Upper its exact 95 % (Clopper-Pearson) interval.
	Rate         float64        `json:"rate"`
	Lower        float64        `json:"lower"`
	Upper        float64        `json:"upper"`
	Within       int            `json:"within,omitempty"`
	MedianWin    float64        `json:"median_windows"`
	P90Win       float64        `json:"p90_windows"`
	MedianMin    float64        `json:"median_minutes"` // windows to decision times the policy's interval
	P90Min       float64        `json:"p90_minutes"`
	UndecidedPct float64        `json:"undecided_rate"`
	Reasons      map[string]int `json:"reasons"`
	// PromotedBeyond counts promoted releases whose own effect (offsets
	// included) lies beyond the allowance: the promotes a judge could have
	// avoided. Other promotes of a regression scenario are right.
	PromotedBeyond int `json:"promoted_beyond"`
	// Beyond counts the releases whose own effect lies beyond the
	// allowance, RolledBackBeyond those of them rolled back (a target with
	// Truth measures detection among them).
	Beyond           int    `json:"beyond,omitempty"`
	RolledBackBeyond int    `json:"rolled_back_beyond,omitempty"`
	Target           Target `json:"target"`
	Pass             bool   `json:"pass"`
	// Misses are up to 5 releases that did not end as the scenario
	// should, with the decision's message: where to look first.
	Misses []Outcome `json:"misses,omitempty"`
}

func tabulate(sc Scenario, outs []Outcome, interval time.Duration) Row {
	r := Row{Scenario: sc.Name, Kind: sc.Kind, About: sc.About, Releases: len(outs), Within: sc.Within, Target: sc.Target, Reasons: map[string]int{}}
	hits := 0
	var wins []float64
	for _, o := range outs {
		r.Reasons[string(o.Action)+"/"+string(o.Reason)]++
		switch o.Action {
		case judge.ActionPromote:
			r.Promote++
			if o.Beyond {
				r.PromotedBeyond++
			}
		case judge.ActionRollback:
			r.Rollback++
		case judge.ActionEscalate:
			r.Escalate++
		default:
			r.Undecided++
		}
		if o.Beyond {
			r.Beyond++
			if o.Action == judge.ActionRollback {
				r.RolledBackBeyond++
			}
		}
		if hit(sc, o, interval) && (!sc.Target.Truth || o.Beyond) {
			hits++
		}
		wins = append(wins, float64(o.Windows))
		if !expected(sc, o, interval) && len(r.Misses) < 5 {
			r.Misses = append(r.Misses, o)
		}
	}
	n := len(outs)
	if sc.Target.Truth {
		n = r.Beyond
	}
	if n == 0 {
		return r
	}
	r.Rate = float64(hits) / float64(n)
	r.Lower, r.Upper = clopperPearson(hits, n)
	r.UndecidedPct = float64(r.Undecided) / float64(n)
	slices.Sort(wins)
	r.MedianWin, r.P90Win = quantile(wins, 0.5), quantile(wins, 0.9)
	r.MedianMin, r.P90Min = r.MedianWin*interval.Minutes(), r.P90Win*interval.Minutes()
	r.Pass = r.meets(sc.Target)
	return r
}

// clopperPearson is the exact two-sided 95 % interval of k out of n.
func clopperPearson(k, n int) (lo, hi float64) {
	lo, hi = 0, 1
	if k > 0 {
		lo = distuv.Beta{Alpha: float64(k), Beta: float64(n - k + 1)}.Quantile(0.025)
	}
	if k < n {
		hi = distuv.Beta{Alpha: float64(k + 1), Beta: float64(n - k)}.Quantile(0.975)
	}
	return lo, hi
}

func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q * float64(len(sorted)-1))
	return sorted[i]
}

// WriteTable prints the rows as a Markdown table (with a policy column
// when rows carry policy labels).
func WriteTable(w io.Writer, rows []Row) {
	label := len(rows) > 0 && rows[0].Policy != ""
	head, rule := "| scenario |", "|---|"
	if label {
		head, rule = "| scenario | policy |", "|---|---|"
	}
	fmt.Fprintln(w, head+" kind | releases | promote | rollback | escalate | undecided | measured (95 % CI) | target | to decision, windows (median / p90) | minutes (median / p90) | |")
	fmt.Fprintln(w, rule+"---|---:|---:|---:|---:|---:|---|---|---|---|---|")
	for _, r := range rows {
		name := "| " + r.Scenario + " |"
		if label {
			name += " " + r.Policy + " |"
		}
		fmt.Fprintf(w, "%s %s | %d | %d | %d | %d | %d | %s | %s | %g / %g | %g / %g | %s |\n", name, r.Kind, r.Releases,
			r.Promote, r.Rollback, r.Escalate, r.Undecided, measured(r), targetText(r), r.MedianWin, r.P90Win, r.MedianMin, r.P90Min, passText(r.Pass))
	}
}

// Interleave pairs the rows of two runs scenario by scenario, labelled.
func Interleave(a []Row, la string, b []Row, lb string) []Row {
	out := make([]Row, 0, len(a)+len(b))
	for i := range a {
		a[i].Policy = la
		out = append(out, a[i])
		for j := range b {
			if b[j].Scenario == a[i].Scenario {
				b[j].Policy = lb
				out = append(out, b[j])
			}
		}
	}
	return out
}

// hit reports whether o counts towards the row's rate: rolled back
// (healthy: a false rollback; regression: within the deadline), escalated
// (unhealthy baseline), promoted (unjudgeable data).
func hit(sc Scenario, o Outcome, interval time.Duration) bool {
	switch sc.Kind {
	case Healthy:
		return o.Action == judge.ActionRollback
	case Regression:
		return o.Action == judge.ActionRollback && sc.inTime(o.Windows, interval)
	case Unhealthy:
		return o.Action == judge.ActionEscalate
	}
	return o.Action == judge.ActionPromote
}

// meets checks every bound of t.
func (r Row) meets(t Target) bool {
	share := func(k int) float64 { return float64(k) / float64(max(r.Releases, 1)) }
	le := func(b *float64, x float64) bool { return b == nil || x <= *b }
	promoted := r.Promote
	if t.Truth {
		promoted = r.PromotedBeyond
	}
	return le(t.MaxRollback, share(r.Rollback)) && le(t.MaxEscalate, share(r.Escalate)) &&
		le(t.MaxUndecided, share(r.Undecided)) && le(t.MaxPromote, share(promoted)) &&
		(t.MinDetect == nil || r.Rate >= *t.MinDetect)
}

func measured(r Row) string {
	what := map[Kind]string{Healthy: "rolled back", Regression: "rolled back", Unhealthy: "escalated", Unjudgeable: "promoted"}[r.Kind]
	if r.Kind == Regression && r.Within > 0 {
		what += fmt.Sprintf(" within %d min", r.Within*int(WindowUnit.Minutes()))
	}
	s := fmt.Sprintf("%s %s [%s, %s]", what, pct(r.Rate), pct(r.Lower), pct(r.Upper))
	if r.Target.Truth {
		s += fmt.Sprintf(" of the %d whose own effect lies clearly beyond the allowance (x%g); promoted %d, %d of them clearly beyond", r.Beyond, ClearlyBeyond, r.Promote, r.PromotedBeyond)
	}
	if r.Kind == Healthy {
		s += fmt.Sprintf("; undecided %s", pct(r.UndecidedPct))
	}
	return s
}

func targetText(r Row) string {
	var parts []string
	for _, b := range []struct {
		what string
		at   *float64
	}{{"rollback <= ", r.Target.MaxRollback}, {"escalate <= ", r.Target.MaxEscalate}, {"undecided <= ", r.Target.MaxUndecided},
		{"promote <= ", r.Target.MaxPromote}, {">= ", r.Target.MinDetect}} {
		if b.at != nil && r.Target.Truth && (b.what == ">= " || b.what == "promote <= ") {
			b.what += "(beyond) "
		}
		if b.at != nil {
			parts = append(parts, b.what+pct(*b.at))
		}
	}
	return strings.Join(parts, ", ")
}

func pct(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

func passText(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

// expected reports whether a release ended as its scenario should.
func expected(sc Scenario, o Outcome, interval time.Duration) bool {
	switch sc.Kind {
	case Healthy:
		return o.Action == judge.ActionPromote
	case Regression:
		return o.Action == judge.ActionRollback && sc.inTime(o.Windows, interval)
	case Unjudgeable:
		return o.Action == judge.ActionRollback || o.Action == judge.ActionEscalate
	}
	return o.Action == judge.ActionEscalate
}
