package gameday

import (
	"fmt"

	"github.com/canaryjudge/canaryjudge/judge"
)

// The scenarios of the guards and of stuck states.

func (b *builder) expandMigration() Scenario {
	sc := Scenario{Name: "expand_migration", About: "a bad canary whose migration is expand-only rolls back automatically",
		Fault: "error rate x5, with a migration declared expand", Skip: b.noErrs, Notes: Notes{Info: 1}}
	if sc.Skip == "" {
		// Declared by the deploy tool, without SQL: a server built without
		// the classifier (CGO_ENABLED=0) would count SQL unknown and escalate.
		m := judge.Migration{ID: "0042_add_gift_note", Compat: judge.CompatExpand}
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5), Migrations: []judge.Migration{m}}, Windows{Expect: rollbackBy(2), Head: true}}
	}
	return sc
}

func (b *builder) incompatibleMigration() Scenario {
	sc := Scenario{Name: "incompatible_migration", About: "a bad canary whose migration the previous release cannot run against escalates and pages; it is never rolled back automatically",
		Fault: "error rate x5, with a column rename", Skip: b.noErrs, Notes: Notes{Page: 1, Resolve: 1}}
	if sc.Skip == "" {
		// Only the SQL: the classifier finds the rename incompatible (a
		// server built without it counts the SQL unknown, which escalates
		// too).
		m := judge.Migration{ID: "0043_rename_email", SQL: "ALTER TABLE users RENAME COLUMN email TO email_address;"}
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5), Migrations: []judge.Migration{m}},
			Windows{Expect: Expect{Action: judge.ActionEscalate, Reasons: []judge.Reason{judge.ReasonMigrationIncompatible},
				Candidate: judge.ActionRollback, State: judge.StateHalted, By: 2}, Head: true}}
	}
	return sc
}

func (b *builder) rollbackCap() Scenario {
	p := b.base
	p.Guards.RollbackCap.PerService = 1
	sc := Scenario{Name: "rollback_cap", About: "past the service's rollback cap a bad canary escalates instead of rolling back",
		Fault: "two bad releases in a row; the cap allows one automatic rollback", Skip: b.noErrs, Policy: p,
		Tweaks: []string{"guards.rollback_cap.per_service: 1"}, Notes: Notes{Info: 1, Page: 1, Resolve: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5)}, Windows{Expect: rollbackBy(2)},
			Event{Type: judge.EventRollbackCompleted, Expect: Expect{Action: judge.ActionRollback, State: judge.StateRolledBack}},
			NewRelease{Gen: b.errorsX(5)},
			Windows{Expect: Expect{Action: judge.ActionEscalate, Reasons: []judge.Reason{judge.ReasonRollbackCap},
				Candidate: judge.ActionRollback, State: judge.StateHalted, By: 2}, Head: true}}
	}
	return sc
}

func (b *builder) freeze() Scenario {
	sc := Scenario{Name: "freeze", About: "a freeze holds an automatic rollback (wait); once lifted the decision resumes",
		Fault: "error rate x5 during a freeze of the service", Skip: b.noErrs, Notes: Notes{Info: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{Freeze{On: true}, NewRelease{Gen: b.errorsX(5)},
			Windows{Expect: Expect{Action: judge.ActionWait, Reasons: []judge.Reason{judge.ReasonFrozen},
				Candidate: judge.ActionRollback, State: judge.StateBaking, By: 2}},
			Freeze{On: false},
			Windows{Expect: rollbackBy(3), Head: true}}
	}
	return sc
}

func (b *builder) rollbackStuck() Scenario {
	p := b.base
	p.Guards.RollbackTimeout = judge.D(MinRollbackTimeout)
	sc := Scenario{Name: "rollback_stuck", About: "a rollback never reported done halts the release and pages once",
		Fault: "the deploy tool starts the rollback and never reports it done", Skip: b.noErrs, Policy: p,
		Tweaks: []string{fmt.Sprintf("guards.rollback_timeout: %s (the minimum)", MinRollbackTimeout)},
		Notes:  Notes{Info: 1, Page: 1, Resolve: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5)}, Windows{Expect: rollbackBy(2)},
			Event{Type: judge.EventRollbackStarted, Expect: Expect{State: judge.StateRollingBack}},
			Elapse{Of: "rollback_timeout", Expect: Expect{Action: judge.ActionEscalate,
				Reasons: []judge.Reason{judge.ReasonRollbackStuck}, State: judge.StateHalted}, Head: true}}
	}
	return sc
}

func (b *builder) rollbackFailed() Scenario {
	sc := Scenario{Name: "rollback_failed", About: "a rollback the deploy tool reports failed halts the release and pages",
		Fault: "the deploy tool reports rollback_failed", Skip: b.noErrs, Notes: Notes{Info: 1, Page: 1, Resolve: 1}}
	if sc.Skip == "" {
		sc.Steps = []Step{NewRelease{Gen: b.errorsX(5)}, Windows{Expect: rollbackBy(2)},
			Event{Type: judge.EventRollbackFailed, Detail: "game day: the deploy tool gave up",
				Expect: Expect{Action: judge.ActionEscalate, Reasons: []judge.Reason{judge.ReasonRollbackFailed}, State: judge.StateHalted}, Head: true}}
	}
	return sc
}

func (b *builder) metricsMissing() Scenario {
	k := b.base.Windows.ConsecutiveNoData
	return Scenario{Name: "metrics_missing", About: "missing metrics wait (never promote), then escalate and page",
		Fault: "every canary metric missing from every window", Notes: Notes{Page: 1, Resolve: 1},
		Steps: []Step{NewRelease{Gen: b.gen("healthy_offsets")},
			Windows{Blank: true, Waits: []judge.Reason{judge.ReasonNoData}, Expect: Expect{Action: judge.ActionEscalate,
				Reasons: []judge.Reason{judge.ReasonNoData}, State: judge.StateHalted, From: k, By: k}, Head: true}}}
}

func (b *builder) baselineUnhealthy() Scenario {
	sc := Scenario{Name: "baseline_unhealthy", About: "when the baseline itself breaches its ceiling, comparing is meaningless: escalate",
		Notes: Notes{Page: 1, Resolve: 1}}
	g, ok := b.sims["unhealthy_baseline"]
	if !ok {
		sc.Skip = "the policy's error metric has no ceiling"
		return sc
	}
	sc.Fault = g.About
	sc.Steps = []Step{NewRelease{Gen: g}, Windows{Expect: Expect{Action: judge.ActionEscalate,
		Reasons: []judge.Reason{judge.ReasonBaselineUnhealthy}, State: judge.StateHalted, By: 1}, Head: true}}
	return sc
}

func (b *builder) overrideResolve() Scenario {
	return Scenario{Name: "override_resolve", About: "an operator halts a release (page) and resolves it (resolve sent); it bakes on and is promoted",
		Fault: "none in the data: a human stops the release to look", Notes: Notes{Page: 1, Resolve: 1, Info: 1},
		Steps: []Step{NewRelease{Gen: b.gen("healthy_offsets")},
			Windows{Expect: Expect{Action: judge.ActionWait, Reasons: []judge.Reason{judge.ReasonBakeIncomplete}, State: judge.StateBaking, By: 1}},
			Override{Action: "halt", Reason: "game day: an operator stops the release to look",
				Expect: Expect{Action: judge.ActionEscalate, Reasons: []judge.Reason{judge.ReasonOverride}, State: judge.StateHalted}},
			Override{Action: "resolve", Reason: "game day: looked, all is well",
				Expect: Expect{Action: judge.ActionWait, Reasons: []judge.Reason{judge.ReasonOverride}, State: judge.StateBaking}, Head: true},
			Windows{Expect: Expect{Action: judge.ActionPromote, Reasons: Promoted, State: judge.StatePromoted, By: b.base.Windows.Lifetime()}}}}
}

func (b *builder) stale() Scenario {
	p := b.base
	p.Windows.Interval, p.Windows.StaleAfter = judge.D(MinInterval), judge.D(MinInterval)
	return Scenario{Name: "stale_release", About: "a baking release that stops getting analyses is escalated and paged once",
		Fault: "the analyses stop after the first window", Policy: p, Notes: Notes{Page: 1, Resolve: 1},
		Tweaks: []string{fmt.Sprintf("windows.interval and windows.stale_after: %s (the minimum)", MinInterval)},
		Steps: []Step{NewRelease{Gen: b.gen("healthy_offsets")},
			Windows{Expect: Expect{Action: judge.ActionWait, Reasons: []judge.Reason{judge.ReasonBakeIncomplete}, State: judge.StateBaking, By: 1}},
			Elapse{Of: "stale_after", Expect: Expect{Action: judge.ActionEscalate,
				Reasons: []judge.Reason{judge.ReasonNoAnalysis}, State: judge.StateHalted}, Head: true}}}
}
