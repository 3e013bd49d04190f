package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// Cause answers "why" first for a release that was rolled back, escalated
// or halted: what stopped it, on which metric(s), with what effect and
// interval against what allowance, in which window(s) and when.
type Cause struct {
	// Summary is the report's headline: one paragraph a person reads first.
	Summary string `json:"summary"`
	// Lead is the summary's first words: what stopped the release and
	// who or what did ("Rolled back to v41 (a sustained regression)").
	Lead   string       `json:"lead"`
	Action judge.Action `json:"action"`
	Reason judge.Reason `json:"reason"`
	At     time.Time    `json:"at"`
	By     string       `json:"by"`
	// Metrics are the decisive metrics of the analysis that asked for the
	// rollback or escalation (empty when no metric was: a stuck rollback
	// with no analysis behind it, an operator's halt).
	Metrics []Decisive `json:"metrics"`
	// Windows are the windows that evidence came from, oldest first.
	Windows []Span `json:"windows"`
	// Guard is a guard's intervention in words (the migration gate, the
	// rollback cap, a freeze, ...).
	Guard string `json:"guard,omitempty"`
}

// Span is one window with its start and end.
type Span struct {
	Seq   int       `json:"seq"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Decisive is one metric a decision rested on.
type Decisive struct {
	Name    string `json:"name"`
	Measure string `json:"measure,omitempty"`
	// Basis: window (its interval in consecutive windows), pooled (the
	// windows pooled), sequence (the confidence sequence), ceiling (an
	// absolute ceiling of the canary), baseline_ceiling, nodata.
	Basis string `json:"basis"`
	// Points are the intervals the decision saw, oldest first: one per
	// failing window, or the pooled interval or sequence at the decision.
	Points    []Point             `json:"points"`
	Allowance Band                `json:"allowance"`
	Ceiling   *judge.CeilingCheck `json:"ceiling,omitempty"`
	Windows   []int               `json:"windows"`
	// EffectText is the effect and interval(s) in words, WindowsText the
	// windows with their start and end times, Text the whole sentence.
	EffectText  string `json:"effect_text"`
	WindowsText string `json:"windows_text"`
	Spans       []Span `json:"spans"` // the windows with their times
	Text        string `json:"text"`
}

// decided is one decision of the audit log with the analysis it was made on.
type decided struct {
	Decision
	AnalysisID *int64
}

// causeOf explains a release that was rolled back, is rolling back or is
// halted; nil for any other.
func causeOf(rel store.Release, decs []decided, as []store.Analysis) *Cause {
	if rel.State != judge.StateRolledBack && rel.State != judge.StateRollingBack && rel.State != judge.StateHalted {
		return nil
	}
	byID := map[int64]*store.Analysis{}
	for i := range as {
		byID[as[i].ID] = &as[i]
	}
	var ch chain
	for i := range decs {
		d := &decs[i]
		switch {
		case d.Trigger == "analysis" && stopping(d.Action):
			ch.origin, ch.halt, ch.override = d, nil, nil // what follows is about this origin
		case d.Trigger == "override" && stopping(d.Action):
			ch.override = d
		case d.Trigger != "analysis" && d.Trigger != "override" && d.State == judge.StateHalted:
			ch.halt = d
		}
		if stopping(d.Action) {
			ch.stop = d
		}
	}
	stop, origin := ch.stop, ch.origin
	if stop == nil {
		return nil
	}
	c := &Cause{Action: stop.Action, Reason: stop.Reason, At: stop.At, By: stop.Actor, Metrics: []Decisive{}, Windows: []Span{}}
	var why string
	if origin != nil {
		why = c.explain(origin, byID, as)
	}
	l := lead(rel, ch)
	c.Lead = strings.TrimSuffix(strings.TrimSpace(l), ":")
	c.Summary = l + why
	if !strings.HasSuffix(c.Summary, ".") {
		c.Summary += "."
	}
	if c.Guard != "" {
		c.Summary += " " + c.Guard
	}
	return c
}

func stopping(a judge.Action) bool { return a == judge.ActionRollback || a == judge.ActionEscalate }

// chain is how a release came to stop: the analysis decision that asked
// for a rollback or escalation (origin), a halt by the deploy tool or the
// sweeper after it, an operator's override, and the last stopping decision.
type chain struct{ origin, halt, override, stop *decided }

// lead is the first words of the summary: what stopped the release, and
// how the analysis behind it (origin) comes in.
func lead(rel store.Release, ch chain) string {
	by := func(d *decided) string { return d.Actor + detail(d) }
	halted := func(h *decided) string {
		switch h.Reason {
		case judge.ReasonRollbackFailed:
			return "the deploy tool reports the rollback to " + rel.BaselineVersion + " failed" + detail(h)
		case judge.ReasonRollbackStuck:
			return "the rollback to " + rel.BaselineVersion + " was not reported done in time"
		}
		return Readable(h.Message)
	}
	// after introduces the origin's evidence when someone or something
	// other than the analysis stopped the release.
	after, had := "", ""
	if o := ch.origin; o != nil {
		after, had = " after canaryjudge ordered a rollback: ", "; canaryjudge had ordered the rollback: "
		if o.Action == judge.ActionEscalate {
			after = " after canaryjudge escalated (" + reasonText(o.Reason) + "): "
			had = "; canaryjudge had escalated (" + reasonText(o.Reason) + "): "
		}
	}
	switch o := ch.override; {
	case o != nil && o == lastOverride(ch.stop, o):
		s := "Rolled back to " + rel.BaselineVersion + " by an override of " + by(o)
		if o.Action == judge.ActionEscalate {
			s = "Halted by " + by(o)
		}
		if ch.halt != nil {
			return s + " after it halted: " + halted(ch.halt) + had
		}
		return s + after
	case ch.halt != nil && ch.halt == ch.stop:
		return "Halted: " + halted(ch.halt) + after
	case ch.origin == nil:
		return capitalize(Readable(ch.stop.Message))
	case ch.origin.Action == judge.ActionEscalate:
		return "Escalated to a human (" + reasonText(ch.origin.Reason) + "): "
	}
	return "Rolled back to " + rel.BaselineVersion + " (" + reasonText(ch.origin.Reason) + "): "
}

// lastOverride is override when no other stopping decision came after it
// but the deploy tool's report of the rollback it ordered.
func lastOverride(stop, override *decided) *decided {
	if stop == override || stop.Trigger == "event" {
		return override
	}
	return nil
}

func detail(d *decided) string {
	if d.Evidence.Detail == "" {
		return ""
	}
	return " (“" + d.Evidence.Detail + "”)"
}

// explain fills the decisive metrics, windows and guard of the analysis
// decision d and returns them as the rest of the summary.
func (c *Cause) explain(d *decided, byID map[int64]*store.Analysis, as []store.Analysis) string {
	var a *store.Analysis
	if d.AnalysisID != nil {
		a = byID[*d.AnalysisID]
	}
	if a == nil {
		return Readable(d.Message)
	}
	c.Metrics = decisive(d.Decision.Decision, a, as)
	seen := map[int]bool{}
	for _, m := range c.Metrics {
		for _, s := range m.Windows {
			seen[s] = true
		}
	}
	if len(seen) == 0 {
		seen[a.Seq] = true
	}
	spans := map[int]Span{}
	for _, x := range as {
		sp := Span{Seq: x.Seq, Start: x.Window.Start, End: x.Window.At}
		spans[x.Seq] = sp
		if seen[x.Seq] {
			c.Windows = append(c.Windows, sp)
		}
	}
	for i, m := range c.Metrics {
		var own []Span
		for _, q := range m.Windows {
			own = append(own, spans[q])
		}
		c.Metrics[i].WindowsText, c.Metrics[i].Spans = spansText(own), own
	}
	c.Guard = guardText(d.Decision.Decision)
	texts := make([]string, 0, len(c.Metrics))
	for _, m := range c.Metrics {
		texts = append(texts, m.Text)
	}
	if len(texts) == 0 {
		texts = append(texts, Readable(d.Message))
	}
	return strings.Join(texts, "; ") + " — " + spansText(c.Windows)
}

// spansText names the windows with their times: "windows 1–2,
// 2026-01-05 00:00–00:10 UTC" when they follow each other, else each.
func spansText(ss []Span) string {
	if len(ss) == 0 {
		return ""
	}
	seqs := make([]int, len(ss))
	contiguous := true
	for i, s := range ss {
		seqs[i] = s.Seq
		if i > 0 && (!s.Start.Equal(ss[i-1].End) || s.Seq != ss[i-1].Seq+1) {
			contiguous = false
		}
	}
	if contiguous {
		return seqText(seqs) + ", " + SpanText(ss[0].Start, ss[len(ss)-1].End)
	}
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = fmt.Sprintf("window %d %s", s.Seq, SpanText(s.Start, s.End))
	}
	return strings.Join(parts, "; ")
}

// reasonText says a reason code in words.
func reasonText(r judge.Reason) string {
	if s, ok := reasonWords[r]; ok {
		return s
	}
	return strings.ReplaceAll(string(r), "_", " ")
}

var reasonWords = map[judge.Reason]string{
	judge.ReasonSustainedRegression:   "a sustained regression",
	judge.ReasonConsecutiveFailures:   "failing windows in a row",
	judge.ReasonConsecutiveMarginal:   "marginal windows in a row with a failing metric",
	judge.ReasonPooledRegression:      "a regression over the windows pooled",
	judge.ReasonSequentialRegression:  "a regression in the confidence sequence",
	judge.ReasonCriticalCeiling:       "a critical metric past its ceiling",
	judge.ReasonLifetimeExhausted:     "the lifetime ended with the evidence against the canary",
	judge.ReasonNoData:                "no data",
	judge.ReasonMigrationIncompatible: "the migration gate blocked the automatic rollback",
	judge.ReasonRollbackCap:           "the rollback cap",
	judge.ReasonBaselineUnhealthy:     "the baseline itself is unhealthy",
	judge.ReasonThrash:                "thrash protection",
	judge.ReasonFrozen:                "a freeze",
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
