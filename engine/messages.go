package engine

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// messages builds the outbox rows a decision sends to the sinks of policy
// version policyVersion: a page on every escalate and halt and on any other
// decision that asks for a human (a promotion against the decision), a
// resolve when a human resolves a halted release, and an info line for
// automatic rollbacks and promotions. Each row names its sink by reference,
// never copies it.
func messages(rel store.Release, from judge.State, d judge.Decision, policyVersion int, sinks []judge.Sink, now time.Time) ([]outbox.Message, error) {
	kind, severity := "", ""
	switch {
	case d.State == judge.StateHalted && from != judge.StateHalted, d.Page && d.State != judge.StateHalted:
		kind, severity = "page", "critical"
	case from == judge.StateHalted && d.State != judge.StateHalted:
		kind, severity = "resolve", "info"
	case d.Action == judge.ActionRollback && from == judge.StateBaking:
		kind, severity = "info", "warning"
	case d.Action == judge.ActionPromote && from == judge.StateBaking:
		kind, severity = "info", "info"
	default:
		return nil, nil
	}
	details, err := json.Marshal(map[string]any{"release": rel, "decision": d})
	if err != nil {
		return nil, fmt.Errorf("encode notification details: %w", err)
	}
	summary := fmt.Sprintf("%s/%s %s: %s (%s), state %s: %s", rel.Service, rel.Target, rel.Version, d.Action, d.Reason, d.State, d.Message)
	summary = truncate(summary, 1000)
	out := make([]outbox.Message, 0, len(sinks))
	for i, s := range sinks {
		out = append(out, outbox.Message{ReleaseID: rel.ID, Service: rel.Service, Target: rel.Target, Kind: kind,
			Summary: summary, Severity: severity, Details: details, Sink: outbox.RefOf(policyVersion, i, s), CreatedAt: now})
	}
	return out, nil
}

// truncate cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
