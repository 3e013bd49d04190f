package report

import (
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// entryOf turns one audit entry into a timeline line.
func entryOf(e store.AuditEntry, out decisionOutput) Entry {
	en := Entry{At: e.At, Actor: e.Actor, Kind: kindOf(e.Action)}
	if en.Kind == "duplicate" {
		en.Event = strings.TrimSuffix(e.Action, ":duplicate")
	}
	d := out.Decision
	if d == nil {
		return en
	}
	en.Action, en.Reason, en.State, en.StateFrom = d.Action, d.Reason, d.State, out.StateFrom
	en.Message, en.Page, en.Intervention = Readable(d.Message), d.Page, interventionOf(*d)
	en.Verdict, en.Score = d.Evidence.Verdict, d.Evidence.Score
	en.Event, en.Detail = d.Evidence.Event, d.Evidence.Detail
	if en.Kind == "window" {
		en.Seq, en.Window = d.Evidence.Windows, d.Evidence.Window
	}
	return en
}

// kindOf is the timeline kind of an audit action; the others (event,
// override, sweeper, ...) are their own kind.
func kindOf(action string) string {
	switch {
	case action == "release:create":
		return "created"
	case action == "analysis":
		return "window"
	case strings.HasSuffix(action, ":duplicate"):
		return "duplicate"
	}
	return action
}

// interventionOf is set when a guard changed the candidate decision.
func interventionOf(d judge.Decision) *Intervention {
	c := d.Evidence.Candidate
	if c == nil || (c.Action == d.Action && c.Reason == d.Reason) {
		return nil
	}
	return &Intervention{Guard: d.Reason, Wanted: c.Action, WantedWhy: c.Reason, Got: d.Action, Numbers: d.Evidence.Guard,
		Text: GuardNumbers(d.Reason, d.Evidence.Guard)}
}

// windows lists the analyses, oldest first, with the decision made on each.
func windows(as []store.Analysis, decided map[int64]*judge.Decision) []Window {
	out := make([]Window, 0, len(as))
	for _, a := range as {
		w := Window{Seq: a.Seq, AnalysisID: a.ID, Start: a.Window.Start, End: a.Window.At, SourceError: a.SourceError}
		if w.Start.IsZero() {
			w.Start = w.End
		}
		if a.Result != nil {
			score := a.Result.Score
			w.Verdict, w.Score, w.Reason = a.Result.Verdict, &score, a.Result.Reason
		}
		if d := decided[a.ID]; d != nil {
			w.Action, w.Decided, w.State, w.Intervention = d.Action, d.Reason, d.State, interventionOf(*d)
		}
		out = append(out, w)
	}
	return out
}

// headline says why first: the cause of a rollback, escalation or halt;
// else where the release is and its latest decision, in one sentence.
func headline(rel store.Release, cause *Cause, latest *Decision, n int) string {
	if cause != nil {
		return cause.Summary
	}
	s := fmt.Sprintf("%s %s on %s is %s after %d window(s)", rel.Service, rel.Version, rel.Target, rel.State, n)
	if latest == nil {
		return s + "; no decision yet."
	}
	d := latest.Decision
	s += fmt.Sprintf("; the latest decision is %s (%s)", d.Action, d.Reason)
	if d.Evidence.Score != nil {
		s += fmt.Sprintf(" at score %s", Num(*d.Evidence.Score))
	}
	if w := d.Evidence.Window; w != nil && !w.Start.IsZero() {
		s += " in window " + SpanText(w.Start, w.End)
	}
	if d.Message != "" {
		s += ": " + Readable(d.Message)
	}
	if !strings.HasSuffix(s, ".") {
		s += "."
	}
	return s
}

// gateOf is the migration gate's view of the release's migrations.
func gateOf(ms []judge.Migration) Gate {
	g := Gate{AutoRollback: true, Migrations: make([]Migration, 0, len(ms))}
	var blocked []string
	for _, m := range ms {
		eff := m.Effective()
		v := Migration{ID: m.ID, Declared: m.Compat, Classified: m.Classified, Effective: eff, Blocks: eff != judge.CompatExpand,
			Blocking: m.Blocking, Warnings: m.Warnings}
		if v.Blocking == nil {
			v.Blocking = []judge.MigrationFinding{}
		}
		if v.Warnings == nil {
			v.Warnings = []judge.MigrationFinding{}
		}
		if v.Blocks {
			blocked = append(blocked, fmt.Sprintf("%s is %s", m.ID, eff))
		}
		g.Migrations = append(g.Migrations, v)
	}
	switch {
	case len(ms) == 0:
		g.Reason = "no migrations: an automatic rollback needs no schema change undone"
	case len(blocked) == 0:
		g.Reason = "every migration is expand: an automatic rollback is allowed"
	default:
		g.AutoRollback = false
		g.Reason = "an automatic rollback would escalate to a human: " + strings.Join(blocked, "; ")
	}
	return g
}
