package judge

import (
	"fmt"
	"strings"
)

// RenderStates draws the canary and rollback state machine as a Mermaid
// state diagram, generated from the same table the service enforces, so
// the picture cannot drift from the behaviour.
func RenderStates() string {
	var b strings.Builder
	b.WriteString("stateDiagram-v2\n")
	b.WriteString("    [*] --> baking: POST /v1/releases\n")
	decided := map[State]string{
		StateBaking:      "analysis: wait",
		StatePromoted:    "analysis: promote",
		StateRollingBack: "analysis: rollback",
		StateHalted:      "analysis: escalate (pages)",
	}
	for _, to := range States {
		if label, ok := decided[to]; ok {
			fmt.Fprintf(&b, "    baking --> %s: %s\n", to, label)
		}
	}
	for _, from := range States {
		for _, ev := range Events {
			tr, ok := transitions[from][ev]
			if !ok || ev == EventAnalysis {
				continue
			}
			label := string(ev)
			if tr.Duplicate {
				label += " (acknowledged, no change)"
			}
			if tr.Page {
				label += " (pages)"
			}
			fmt.Fprintf(&b, "    %s --> %s: %s\n", from, tr.To, label)
			if ev == OverrideResolve {
				fmt.Fprintf(&b, "    %s --> %s: %s after a rollback was ordered\n", from, StateRolledBack, ev)
			}
		}
	}
	b.WriteString("    promoted --> [*]\n    rolled_back --> [*]\n")
	b.WriteString("    note right of halted\n        only an override leaves halted;\n        automation never changes promoted or rolled_back\n    end note\n")
	return b.String()
}
