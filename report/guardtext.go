package report

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// guardText is a guard's intervention in decision d in words, or "" when
// no guard changed what the analysis asked for.
func guardText(d judge.Decision) string {
	c := d.Evidence.Candidate
	if c == nil || (c.Action == d.Action && c.Reason == d.Reason) {
		return ""
	}
	return fmt.Sprintf("The windows asked for %s (%s); %s answered %s instead: %s.", c.Action, reasonText(c.Reason),
		guardName(d.Reason), d.Action, GuardNumbers(d.Reason, d.Evidence.Guard))
}

func guardName(r judge.Reason) string {
	switch r {
	case judge.ReasonMigrationIncompatible:
		return "the migration gate"
	case judge.ReasonRollbackCap:
		return "the rollback cap"
	case judge.ReasonFrozen:
		return "a freeze"
	case judge.ReasonThrash:
		return "thrash protection"
	case judge.ReasonBaselineUnhealthy:
		return "the baseline health guard"
	}
	return "a guard (" + string(r) + ")"
}

// GuardNumbers says a guard's numbers (judge.Evidence.Guard) in words:
// which migrations blocked and why, the rollback cap's counts, the freeze.
// Numbers it does not know are listed as "name: value", never as a Go map.
func GuardNumbers(r judge.Reason, nums map[string]any) string {
	if len(nums) == 0 {
		return "no numbers recorded"
	}
	raw, err := json.Marshal(nums)
	if err != nil {
		return "its numbers could not be read"
	}
	switch r {
	case judge.ReasonMigrationIncompatible:
		var g struct{ Migrations []judge.MigrationEvidence }
		if json.Unmarshal(raw, &g) == nil && len(g.Migrations) > 0 {
			return migrationsText(g.Migrations)
		}
	case judge.ReasonRollbackCap:
		var g struct {
			ServiceRollbacks int    `json:"service_rollbacks"`
			ServiceCap       int    `json:"service_cap"`
			FleetRollbacks   int    `json:"fleet_rollbacks"`
			FleetCap         int    `json:"fleet_cap"`
			Window           string `json:"window"`
		}
		if json.Unmarshal(raw, &g) == nil {
			return fmt.Sprintf("%d automatic rollback(s) of this service in the last %s (cap %s), %d fleet-wide (cap %s)",
				g.ServiceRollbacks, g.Window, capText(g.ServiceCap), g.FleetRollbacks, capText(g.FleetCap))
		}
	case judge.ReasonFrozen:
		var g struct{ Freeze judge.Freeze }
		if json.Unmarshal(raw, &g) == nil && g.Freeze.Scope != "" {
			s := fmt.Sprintf("%s is frozen by %s (“%s”) since %s", g.Freeze.Scope, g.Freeze.CreatedBy, g.Freeze.Reason, Clock(g.Freeze.CreatedAt))
			if g.Freeze.ExpiresAt != nil {
				s += " until " + Clock(*g.Freeze.ExpiresAt)
			}
			return s
		}
	case judge.ReasonThrash:
		var g struct {
			AutoRollbacks int `json:"auto_rollbacks"`
		}
		if json.Unmarshal(raw, &g) == nil {
			return fmt.Sprintf("the release already had %d automatic rollback(s)", g.AutoRollbacks)
		}
	case judge.ReasonBaselineUnhealthy:
		var g struct {
			BaselineBreaches []string `json:"baseline_breaches"`
		}
		if json.Unmarshal(raw, &g) == nil && len(g.BaselineBreaches) > 0 {
			return "the baseline breaches the ceiling of " + list(g.BaselineBreaches)
		}
	}
	return pairsText(nums)
}

func capText(n int) string {
	if n == 0 {
		return "off"
	}
	return fmt.Sprint(n)
}

// migrationsText: "00042_drop_legacy_note counts as contract: statement 1
// (drop-column) ALTER TABLE ... — why; instead: ...".
func migrationsText(ms []judge.MigrationEvidence) string {
	parts := make([]string, 0, len(ms))
	for _, m := range ms {
		s := m.ID + " counts as " + string(m.Effective)
		if m.Declared != "" {
			s += " (declared " + string(m.Declared) + ")"
		}
		for _, b := range m.Blocking {
			s += fmt.Sprintf("; statement %d (%s) `%s`: %s", b.Statement, b.Rule, b.SQL, b.Reason)
			if b.Instead != "" {
				s += "; instead: " + b.Instead
			}
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, ". ")
}

// pairsText writes numbers it knows nothing about as "name: value, ...",
// nested values as JSON.
func pairsText(nums map[string]any) string {
	keys := make([]string, 0, len(nums))
	for k := range nums {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, strings.ReplaceAll(k, "_", " ")+": "+valueText(nums[k]))
	}
	return strings.Join(parts, ", ")
}

func valueText(v any) string {
	switch x := v.(type) {
	case nil:
		return "none"
	case string:
		return x
	case float64:
		return Num(x)
	case int:
		return fmt.Sprint(x)
	case bool:
		if x {
			return "yes"
		}
		return "no"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "?"
	}
	return string(b)
}
