package judge

import (
	"fmt"
	"time"
)

// Compat is a migration's compatibility with rolling back the code.
type Compat string

const (
	CompatExpand       Compat = "expand"       // additive: old code still works
	CompatContract     Compat = "contract"     // removes what old code may use
	CompatIncompatible Compat = "incompatible" // old code breaks
)

// rank orders compatibilities from safest to worst. Unknown needs a human
// like incompatible; a known incompatibility ranks above it, and any
// unrecognised value ranks worst of all.
func (c Compat) rank() int {
	switch c {
	case CompatExpand:
		return 0
	case CompatContract:
		return 1
	case CompatUnknown:
		return 2
	case CompatIncompatible:
		return 3
	}
	return 4
}

// Worse returns the less safe of two compatibilities.
func Worse(a, b Compat) Compat {
	if b.rank() > a.rank() {
		return b
	}
	return a
}

// Migration is a schema change shipped with a release: its declared
// compatibility, its SQL, or both.
type Migration struct {
	ID     string `json:"id"`
	Compat Compat `json:"compat,omitempty"`
	SQL    string `json:"sql,omitempty"`
	// Classified is what the SQL classifier found (set by canaryjudge when
	// the release is created); the worse of declared and classified wins.
	Classified Compat `json:"classified,omitempty"`
	// Blocking are the classifier's findings that stop an automatic
	// rollback; Warnings its locking hazards (they never block).
	Blocking []MigrationFinding `json:"blocking,omitempty"`
	Warnings []MigrationFinding `json:"warnings,omitempty"`
}

// Effective is the compatibility the gate uses: the worse of declared and
// classified. SQL that no classifier looked at is unknown, never a pass.
func (m Migration) Effective() Compat {
	c := m.Classified
	if c == "" && m.SQL != "" {
		c = CompatUnknown
	}
	switch {
	case c == "":
		return m.Compat
	case m.Compat == "":
		return c
	}
	return Worse(m.Compat, c)
}

// Freeze stops automated promotes and rollbacks.
type Freeze struct {
	Scope     string     `json:"scope"` // global | service:NAME
	Reason    string     `json:"reason"`
	CreatedBy string     `json:"created_by"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// ActiveAt reports whether the freeze is in force at t.
func (f Freeze) ActiveAt(t time.Time) bool { return f.ExpiresAt == nil || t.Before(*f.ExpiresAt) }

// GuardInput is what the guards need beyond the candidate.
type GuardInput struct {
	Policy          Policy
	BaselineVersion string
	Migrations      []Migration
	Freeze          *Freeze // the active freeze covering this service, if any
	AutoRollbacks   int     // automatic rollbacks this release already had
	// Rollbacks already made in the cap's trailing window, counted under a
	// lock by the store (only needed when the candidate is a rollback).
	ServiceRollbacks, FleetRollbacks int
}

// guard is one safety check: it may replace the decision.
type guard struct {
	name  string
	apply func(d Decision, g GuardInput) (Decision, bool)
}

// Guards in the order DESIGN.md fixes. Each is a unit, tested alone.
var Guards = []guard{
	{"freeze", guardFreeze},
	{"thrash", guardThrash},
	{"migration", guardMigration},
	{"rollback_cap", guardCap},
	{"baseline_health", guardBaseline},
}

// ApplyGuards runs every guard over the candidate and returns the decision
// the deploy tool gets. A candidate a guard replaced is kept in evidence.
func ApplyGuards(c Decision, g GuardInput) Decision {
	d := c
	for _, gd := range Guards {
		if nd, changed := gd.apply(d, g); changed {
			if nd.Evidence.Candidate == nil {
				nd.Evidence.Candidate = &Candidate{Action: c.Action, Reason: c.Reason}
			}
			d = nd
		}
	}
	if d.Action == ActionRollback {
		d.RollbackTo = g.BaselineVersion
	}
	return d
}

func withGuard(d Decision, a Action, r Reason, msg string, numbers map[string]any) Decision {
	d.Evidence.Guard = numbers
	return d.with(a, r, msg)
}

func guardFreeze(d Decision, g GuardInput) (Decision, bool) {
	if g.Freeze == nil || (d.Action != ActionPromote && d.Action != ActionRollback) {
		return d, false
	}
	return withGuard(d, ActionWait, ReasonFrozen,
		fmt.Sprintf("frozen (%s: %s); the analysis asked to %s: %s", g.Freeze.Scope, g.Freeze.Reason, d.Action, d.Message),
		map[string]any{"freeze": g.Freeze}), true
}

func guardThrash(d Decision, g GuardInput) (Decision, bool) {
	if g.AutoRollbacks == 0 || (d.Action != ActionRollback && d.Action != ActionPromote) {
		return d, false
	}
	return withGuard(d, ActionEscalate, ReasonThrash,
		fmt.Sprintf("release already had %d automatic rollback(s); will not %s it automatically again", g.AutoRollbacks, d.Action),
		map[string]any{"auto_rollbacks": g.AutoRollbacks}), true
}

func guardMigration(d Decision, g GuardInput) (Decision, bool) {
	if d.Action != ActionRollback {
		return d, false
	}
	unsafe, why := unsafeMigrations(g.Migrations)
	if len(unsafe) == 0 {
		return d, false
	}
	return withGuard(d, ActionEscalate, ReasonMigrationIncompatible,
		fmt.Sprintf("rollback needed (%s) but %d migration(s) are not expand-only: %s; a human must decide", d.Reason, len(unsafe), why),
		map[string]any{"migrations": unsafe}), true
}

func guardCap(d Decision, g GuardInput) (Decision, bool) {
	c := g.Policy.Guards.RollbackCap
	if d.Action != ActionRollback {
		return d, false
	}
	nums := map[string]any{"service_rollbacks": g.ServiceRollbacks, "service_cap": c.PerService,
		"fleet_rollbacks": g.FleetRollbacks, "fleet_cap": c.Fleet, "window": c.Window.String()}
	switch {
	case c.PerService > 0 && g.ServiceRollbacks >= c.PerService:
		return withGuard(d, ActionEscalate, ReasonRollbackCap,
			fmt.Sprintf("rollback needed (%s) but the service already had %d automatic rollbacks in %s (cap %d)", d.Reason, g.ServiceRollbacks, c.Window, c.PerService), nums), true
	case c.Fleet > 0 && g.FleetRollbacks >= c.Fleet:
		return withGuard(d, ActionEscalate, ReasonRollbackCap,
			fmt.Sprintf("rollback needed (%s) but the fleet already had %d automatic rollbacks in %s (cap %d)", d.Reason, g.FleetRollbacks, c.Window, c.Fleet), nums), true
	}
	d.Evidence.Guard = nums
	return d, false
}

func guardBaseline(d Decision, g GuardInput) (Decision, bool) {
	if len(d.Evidence.BaselineBreaches) == 0 || d.Action == ActionEscalate {
		return d, false
	}
	return withGuard(d, ActionEscalate, ReasonBaselineUnhealthy,
		fmt.Sprintf("the baseline itself breaches its ceilings (%s); comparing against it is meaningless", names(d.Evidence.BaselineBreaches)),
		map[string]any{"baseline_breaches": d.Evidence.BaselineBreaches}), true
}
