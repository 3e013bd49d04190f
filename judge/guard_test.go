package judge

import (
	"testing"
	"time"
)

func candidate(a Action, r Reason) Decision { return Decision{}.with(a, r, "candidate") }

func guardPolicy() Policy {
	p := DefaultPolicy()
	p.Guards.RollbackCap = RollbackCap{PerService: 2, Fleet: 5, Window: Duration{time.Hour}}
	return p
}

func TestGuardsOneByOne(t *testing.T) {
	freeze := &Freeze{Scope: "global", Reason: "black friday"}
	expand := []Migration{{ID: "1", Compat: CompatExpand}}
	contract := []Migration{{ID: "1", Compat: CompatExpand}, {ID: "2", Compat: CompatContract}}
	sneaky := []Migration{{ID: "3", Compat: CompatExpand, Classified: CompatIncompatible}}
	rollback := candidate(ActionRollback, ReasonConsecutiveFailures)
	promote := candidate(ActionPromote, ReasonBakeComplete)
	unhealthy := candidate(ActionWait, ReasonBakeIncomplete)
	unhealthy.Evidence.BaselineBreaches = []string{"error_ratio"}
	cases := []struct {
		name   string
		guard  func(Decision, GuardInput) (Decision, bool)
		d      Decision
		g      GuardInput
		action Action
		reason Reason
	}{
		{"freeze stops rollback", guardFreeze, rollback, GuardInput{Freeze: freeze}, ActionWait, ReasonFrozen},
		{"freeze stops promote", guardFreeze, promote, GuardInput{Freeze: freeze}, ActionWait, ReasonFrozen},
		{"freeze lets wait through", guardFreeze, unhealthy, GuardInput{Freeze: freeze}, ActionWait, ReasonBakeIncomplete},
		{"no freeze", guardFreeze, rollback, GuardInput{}, ActionRollback, ReasonConsecutiveFailures},
		{"second automatic rollback", guardThrash, rollback, GuardInput{AutoRollbacks: 1}, ActionEscalate, ReasonThrash},
		{"promote after rollback", guardThrash, promote, GuardInput{AutoRollbacks: 1}, ActionEscalate, ReasonThrash},
		{"expand-only rolls back", guardMigration, rollback, GuardInput{Migrations: expand}, ActionRollback, ReasonConsecutiveFailures},
		{"contract escalates", guardMigration, rollback, GuardInput{Migrations: contract}, ActionEscalate, ReasonMigrationIncompatible},
		{"classifier's worse verdict wins", guardMigration, rollback, GuardInput{Migrations: sneaky}, ActionEscalate, ReasonMigrationIncompatible},
		{"contract does not block promote", guardMigration, promote, GuardInput{Migrations: contract}, ActionPromote, ReasonBakeComplete},
		{"under the cap", guardCap, rollback, GuardInput{Policy: guardPolicy(), ServiceRollbacks: 1, FleetRollbacks: 4}, ActionRollback, ReasonConsecutiveFailures},
		{"service cap reached", guardCap, rollback, GuardInput{Policy: guardPolicy(), ServiceRollbacks: 2}, ActionEscalate, ReasonRollbackCap},
		{"fleet cap reached", guardCap, rollback, GuardInput{Policy: guardPolicy(), FleetRollbacks: 5}, ActionEscalate, ReasonRollbackCap},
		{"baseline unhealthy", guardBaseline, unhealthy, GuardInput{}, ActionEscalate, ReasonBaselineUnhealthy},
		{"baseline healthy", guardBaseline, promote, GuardInput{}, ActionPromote, ReasonBakeComplete},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d, changed := c.guard(c.d, c.g)
			if d.Action != c.action || d.Reason != c.reason {
				t.Fatalf("got %s/%s, want %s/%s", d.Action, d.Reason, c.action, c.reason)
			}
			if changed != (d.Action != c.d.Action) {
				t.Fatalf("changed = %v but action %s → %s", changed, c.d.Action, d.Action)
			}
			if changed && (d.State != StateFor(d.Action) || d.Evidence.Guard == nil) {
				t.Fatalf("guard decision lacks state or numbers: %+v", d)
			}
		})
	}
}

// TestGuardOrder: freeze comes first, so a frozen rollback waits rather
// than escalating on its migrations; the rollback target is the baseline.
func TestGuardOrder(t *testing.T) {
	rollback := candidate(ActionRollback, ReasonCriticalCeiling)
	g := GuardInput{Policy: guardPolicy(), BaselineVersion: "v41", Freeze: &Freeze{Scope: "service:api", Reason: "incident"},
		Migrations: []Migration{{ID: "9", Compat: CompatIncompatible}}}
	if d := ApplyGuards(rollback, g); d.Reason != ReasonFrozen || d.Evidence.Candidate.Reason != ReasonCriticalCeiling {
		t.Fatalf("frozen: %+v", d)
	}
	g.Freeze = nil
	if d := ApplyGuards(rollback, g); d.Reason != ReasonMigrationIncompatible || d.RollbackTo != "" {
		t.Fatalf("migration: %+v", d)
	}
	g.Migrations = nil
	if d := ApplyGuards(rollback, g); d.Action != ActionRollback || d.RollbackTo != "v41" {
		t.Fatalf("allowed rollback: %+v", d)
	}
}
