package judge

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMigrationEffective(t *testing.T) {
	cases := []struct {
		m    Migration
		want Compat
	}{
		{Migration{Compat: CompatExpand}, CompatExpand},
		{Migration{Compat: CompatContract}, CompatContract},
		{Migration{Compat: CompatExpand, SQL: "DROP TABLE t", Classified: CompatContract}, CompatContract},
		{Migration{Compat: CompatIncompatible, SQL: "SELECT 1", Classified: CompatExpand}, CompatIncompatible},
		{Migration{SQL: "ALTER TABLE t ADD c int", Classified: CompatExpand}, CompatExpand},
		{Migration{SQL: "ALTER TABLE t ADD c int"}, CompatUnknown},                       // nobody read it
		{Migration{Compat: CompatExpand, SQL: "ALTER TABLE t ADD c int"}, CompatUnknown}, // declared expand is not enough
		{Migration{Compat: CompatIncompatible, SQL: "x"}, CompatIncompatible},
		{Migration{SQL: "x", Classified: CompatUnknown, Compat: CompatContract}, CompatUnknown},
	}
	for _, c := range cases {
		if got := c.m.Effective(); got != c.want {
			t.Errorf("%+v: effective %s, want %s", c.m, got, c.want)
		}
	}
	if Worse(CompatExpand, CompatUnknown) != CompatUnknown || Worse(CompatUnknown, CompatIncompatible) != CompatIncompatible ||
		Worse(CompatContract, CompatUnknown) != CompatUnknown || Worse(CompatIncompatible, "garbage") != "garbage" {
		t.Error("ranking: expand < contract < unknown < incompatible < anything unrecognised")
	}
}

// TestGuardNamesTheBlockingStatement: the escalation says which statement
// of which migration blocked the rollback, with rule and reason, in the
// message (which the page carries) and in the evidence.
func TestGuardNamesTheBlockingStatement(t *testing.T) {
	rename := MigrationFinding{Statement: 2, Line: 7, SQL: "ALTER TABLE users RENAME COLUMN email TO mail", Class: CompatIncompatible,
		Rule: "rename-column", Detail: "users.email → mail", Reason: "the previous release names the old column"}
	drop := MigrationFinding{Statement: 1, Line: 3, SQL: "ALTER TABLE users DROP COLUMN fax", Class: CompatContract, Rule: "drop-column", Reason: "r"}
	g := GuardInput{Migrations: []Migration{
		{ID: "0041_ok", Compat: CompatExpand},
		{ID: "0042_rename", SQL: "...", Classified: CompatIncompatible, Blocking: []MigrationFinding{drop, rename}},
	}}
	d, changed := guardMigration(candidate(ActionRollback, ReasonCriticalCeiling), g)
	if !changed || d.Action != ActionEscalate || d.Reason != ReasonMigrationIncompatible {
		t.Fatalf("%+v", d)
	}
	for _, want := range []string{"0042_rename", "statement 2 (line 7)", "RENAME COLUMN email TO mail", "rename-column", "the previous release names the old column", "2 blocking statements"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message lacks %q: %s", want, d.Message)
		}
	}
	if strings.Contains(d.Message, "0041_ok") {
		t.Errorf("an expand migration is named: %s", d.Message)
	}
	ev, _ := json.Marshal(d.Evidence.Guard)
	if !strings.Contains(string(ev), `"rule":"rename-column"`) || !strings.Contains(string(ev), `"effective":"incompatible"`) {
		t.Errorf("evidence: %s", ev)
	}
}

func TestUnclassifiedBlocks(t *testing.T) {
	c := Unclassified("no classifier")
	if c.Class != CompatUnknown || !c.NeedsHuman() || len(c.Blocking()) != 1 || c.Blocking()[0].Rule != RuleUnclassified {
		t.Fatalf("%+v", c)
	}
	allowed := MigrationCheck{Findings: []MigrationFinding{{Class: CompatIncompatible, Rule: "truncate", Allowed: "cache table"}}}
	if allowed.Verdict(); allowed.Class != CompatExpand || allowed.NeedsHuman() {
		t.Fatalf("an allowed finding must not block: %+v", allowed)
	}
}

func TestShorten(t *testing.T) {
	if got := Shorten("ALTER  TABLE\n  t", 100); got != "ALTER TABLE t" {
		t.Errorf("%q", got)
	}
	if got := Shorten(strings.Repeat("é", 10), 5); got != "éé…" {
		t.Errorf("cut inside a rune: %q", got)
	}
}
