package sim

import "github.com/canaryjudge/canaryjudge/judge"

// Roles names the metrics the scenarios act on, as Scenarios picks them:
// the error metric (critical first), the latency metric and the KPI, each
// the zero Metric when the policy has none. The game day uses it to build
// scenarios `simulate` has no twin of (a ceiling breach, missing metrics)
// on the same metrics.
func Roles(p judge.Policy) (errs, latency, kpi judge.Metric) { return roles(p) }
