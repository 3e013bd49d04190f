// Package design renders the designs `canaryjudge render` writes that no
// single package owns: the stuck-state and override design, generated
// from the transition table the service enforces (judge.Next), the API's
// scopes (server) and a policy's guards, so the document cannot drift
// from the behaviour.
package design

import (
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/server"
)

// Row is one allowed event in one state, as the document tables it.
type Row struct {
	From       judge.State
	Event      judge.Event
	To         judge.State
	Pages      bool
	Duplicate  bool
	AfterRollb bool // the target when a rollback was ordered before (resolve)
}

// Transitions lists every allowed (state, event) pair but analyses, in
// the order of judge.States and judge.Events, asking judge.Next itself.
func Transitions() []Row {
	var out []Row
	for _, from := range judge.States {
		for _, ev := range judge.Events {
			if ev == judge.EventAnalysis {
				continue
			}
			tr, err := judge.Next(from, ev, false)
			if err != nil {
				continue
			}
			out = append(out, Row{From: from, Event: ev, To: tr.To, Pages: tr.Page, Duplicate: tr.Duplicate})
			if after, _ := judge.Next(from, ev, true); after.To != tr.To {
				out = append(out, Row{From: from, Event: ev, To: after.To, Pages: after.Page, AfterRollb: true})
			}
		}
	}
	return out
}

// who is the party that sends an event, and the scope it needs.
func who(ev judge.Event) string {
	switch {
	case strings.HasPrefix(string(ev), "override:"):
		return fmt.Sprintf("an operator (`%s` scope), `POST /v1/releases/{id}/override` `{\"action\": %q}`", server.ScopeOperator, strings.TrimPrefix(string(ev), "override:"))
	case ev == judge.EventRollbackTimeout || ev == judge.EventNoAnalysis:
		return "the sweeper (every replica; each release handled once)"
	}
	return fmt.Sprintf("the deploy tool (`%s` scope), `POST /v1/releases/{id}/events` `{\"type\": %q}`", server.ScopeJudge, ev)
}

// RenderOverrides writes the stuck-state and override design of policy p.
func RenderOverrides(p judge.Policy) string {
	var b strings.Builder
	b.WriteString(overridesIntro)
	b.WriteString("\n## Every transition but analyses\n\n| from | event | by | to | pages |\n|---|---|---|---|---|\n")
	for _, r := range Transitions() {
		to := string(r.To)
		switch {
		case r.Duplicate:
			to += " (acknowledged, no change)"
		case r.AfterRollb:
			to += " (when a rollback was ordered before)"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", r.From, r.Event, who(r.Event), to, yesNo(r.Pages))
	}
	writeStuck(&b, p)
	writeGuards(&b, p)
	return b.String()
}

func writeStuck(b *strings.Builder, p judge.Policy) {
	w, g := p.Windows, p.Guards
	fmt.Fprintf(b, "\n## Stuck states (this policy)\n\n| situation | detected by | after | decision | pages |\n|---|---|---|---|---|\n")
	fmt.Fprintf(b, "| a rollback not reported done | the sweeper | `guards.rollback_timeout` = %s | escalate / `%s`, halted | once |\n", judge.FormatDuration(g.RollbackTimeout.Duration), judge.ReasonRollbackStuck)
	fmt.Fprintf(b, "| the deploy tool reports the rollback failed | the event | at once | escalate / `%s`, halted | yes |\n", judge.ReasonRollbackFailed)
	fmt.Fprintf(b, "| a baking release gets no analysis | the sweeper | `windows.stale_after` = %s | escalate / `%s`, halted | once |\n", judge.FormatDuration(w.StaleAfterOrDefault()), judge.ReasonNoAnalysis)
	fmt.Fprintf(b, "| missing data or a metric source error | the analyses | `windows.consecutive_nodata` = %d windows | escalate / `%s` or `%s`, halted | yes |\n", w.ConsecutiveNoData, judge.ReasonNoData, judge.ReasonSourceError)
	fmt.Fprintf(b, "| a promotion the decisions did not allow | the `promoted` event | at once | recorded as `%s` | yes |\n", judge.ReasonPromotedAgainstDecision)
}

func writeGuards(b *strings.Builder, p judge.Policy) {
	c := p.Guards.RollbackCap
	fmt.Fprintf(b, "\n## Freeze\n\n%s\n", freezeText)
	fmt.Fprintf(b, "\n## Rollback cap and thrash protection (this policy)\n\n")
	fmt.Fprintf(b, "- At most **%s** automatic rollbacks per service and **%s** fleet-wide in a trailing **%s**; the next one escalates (`%s`) and pages. Counted under a lock, so replicas racing each other cannot exceed it. Manual rollbacks (overrides) never count and are never refused.\n",
		capText(c.PerService), capText(c.Fleet), judge.FormatDuration(c.Window.Duration), judge.ReasonRollbackCap)
	fmt.Fprintf(b, "- A release gets at most one automatic rollback; after one it is never promoted or rolled back automatically again (`%s`), and a rollback is never itself rolled back.\n", judge.ReasonThrash)
	fmt.Fprintf(b, "- An automatic rollback needs every migration of the release to be `expand` (`guards.migrations: %s`); otherwise escalate (`%s`). See [migrations.md](migrations.md).\n",
		p.Guards.Migrations, judge.ReasonMigrationIncompatible)
}

func capText(n int) string {
	if n == 0 {
		return "unlimited"
	}
	return fmt.Sprint(n)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

const overridesIntro = `# Stuck states and overrides

Generated by ` + "`canaryjudge render overrides`" + ` from the transition table the service
enforces, the API's scopes and the policy (the shipped example, ` + "`judge/testdata/policy.yaml`" + `,
unless ` + "`--policy`" + ` names another). The state machine itself is in [states.md](states.md).

- **Who is paged.** Every entry into ` + "`halted`" + ` pages (each policy's ` + "`notify`" + ` sinks get a
  ` + "`page`" + `: PagerDuty triggers an incident keyed by the release id), and so does a promotion
  against the decision. Leaving ` + "`halted`" + ` (any override) sends a ` + "`resolve`" + `. Automatic
  rollbacks and promotions send an ` + "`info`" + ` line. Notifications are written in the
  decision's transaction (an outbox) and delivered with retries, so a page exists exactly
  when its decision does, once.
- **Only a human leaves ` + "`halted`" + `.** Automation never changes ` + "`promoted`" + ` or ` + "`rolled_back`" + `.
  An override needs a reason (kept in the audit log with who gave it); ` + "`resolve`" + ` returns a
  release to ` + "`baking`" + `, or to ` + "`rolled_back`" + ` when a rollback was ordered before (the human
  finished it by hand). A token limited to services may override only those services.
- **Events repeat safely.** A deploy tool retrying an event gets it acknowledged without a
  change; rollback instructions name the baseline version, so running one twice is harmless.
`

const freezeText = "An operator (`" + server.ScopeOperator + "` scope) sets `PUT /v1/freezes/global` or `PUT /v1/freezes/service:NAME` " +
	"with a reason and an optional `expires_at` (in the future), and lifts it with `DELETE`. While a freeze covers a service, " +
	"an analysis that asks to promote or roll back answers `wait` / `" + string(judge.ReasonFrozen) + "` (the evidence keeps what it asked for); " +
	"escalations still escalate and page, because a freeze must not hide a problem. Overrides are human decisions and ignore the freeze. " +
	"A deploy tool that promotes during a freeze is recorded and pages (`" + string(judge.ReasonPromotedAgainstDecision) + "`). " +
	"Tokens limited to services cannot set a global freeze."
