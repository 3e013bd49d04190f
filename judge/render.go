package judge

import (
	"fmt"
	"strconv"
	"strings"
)

// RenderTriggers renders a policy's trigger and signal table as Markdown:
// one row per metric (group, weight, kind, query, direction, whether it
// rolls back on its own, ceiling, allowed effect, min samples, windows to
// fail), then the thresholds, windows, lifetime and guards that apply to
// all of them. It is pure so that the CLI and the HTTP API print the same
// table.
func RenderTriggers(p Policy) string {
	p = p.withDefaults()
	var b strings.Builder
	fmt.Fprintf(&b, "# Trigger and signal table\n\n")
	fmt.Fprintf(&b, "Mode **%s**", p.Mode)
	if p.Version > 0 {
		fmt.Fprintf(&b, " · policy version %d", p.Version)
	}
	fmt.Fprintf(&b, " · pass at score ≥ %s, marginal ≥ %s", g(p.Thresholds.Pass), g(p.Thresholds.Marginal))
	if p.Mode == ModeKayenta {
		fmt.Fprintf(&b, " · Mann-Whitney at %s%% confidence, tolerance %s\n\n", g(p.Kayenta.ConfLevel*100), g(p.Kayenta.Tolerance))
	} else {
		fmt.Fprintf(&b, " · %s %% intervals (each bound wrong at most %s %% of the time)\n\n", g(100-200*p.Alpha), g(100*p.Alpha))
	}
	b.WriteString("| metric | group | weight | kind | query | direction | rolls back on its own | ceiling | fails when | min samples | windows |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|---|\n")
	names := make([]string, len(p.Metrics))
	for i, m := range p.Metrics {
		names[i] = m.Group
	}
	weights := effectiveWeights(p.Groups, names)
	interval := FormatDuration(p.Windows.Interval.Duration)
	for _, m := range p.Metrics {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			cell(m.Name), cell(m.Group), g(round2(weights[m.Group])), m.Kind, query(m.Query), m.Direction, trigger(m),
			cell(ceilingText(m)), cell(failsWhen(p, m)), minSamples(p, m), windowsText(p, m, interval))
	}
	w, gd := p.Windows, p.Guards
	fmt.Fprintf(&b, "\nWindows of %s. Promote after at least %d passing windows and %s of bake (window time) once the "+
		"evidence is settled; a metric failing in %d consecutive windows rolls back if it rolls back on its own or the windows "+
		"fail, %d marginal-or-failing windows in a row with the same metric failing roll back, and so does the release's "+
		"pooled evidence; a ceiling breach at once. Escalate after %d consecutive windows without data. %s\n",
		interval, w.MinWindows, FormatDuration(w.MinBake.Duration), w.ConsecutiveFailures, w.ConsecutiveMarginal,
		w.ConsecutiveNoData, lifetimeText(w))
	fmt.Fprintf(&b, "\nGuards: at most %d automatic rollbacks per service and %d fleet-wide per %s; "+
		"a rollback not done within %s halts the release; migrations: %s.\n",
		gd.RollbackCap.PerService, gd.RollbackCap.Fleet, FormatDuration(gd.RollbackCap.Window.Duration),
		FormatDuration(gd.RollbackTimeout.Duration), gd.Migrations)
	return b.String()
}

func trigger(m Metric) string {
	s := "no"
	switch {
	case m.Critical:
		s = "yes (critical)"
	case m.RollbackTrigger:
		s = "yes"
	}
	if m.MustHaveData {
		s += ", must have data"
	}
	return s
}

func ceilingText(m Metric) string {
	switch {
	case m.Ceiling == nil:
		return "—"
	case m.Kind == KindCount:
		return fmt.Sprintf("rate > %s (its lower bound)", g(*m.Ceiling))
	}
	return fmt.Sprintf("%s > %s", m.CeilingStat, g(*m.Ceiling))
}

func minSamples(p Policy, m Metric) string {
	switch {
	case p.Mode == ModeKayenta:
		return "— (any)"
	case m.Kind == KindCount && m.MinTotal > 0:
		return "total ≥ " + g(m.MinTotal)
	case m.Kind == KindCount:
		return "any traffic"
	}
	return strconv.Itoa(m.MinSamples)
}

func windowsText(p Policy, m Metric, interval string) string {
	windows := fmt.Sprintf("%d × %s", p.Windows.ConsecutiveFailures, interval)
	if m.Ceiling != nil {
		windows = fmt.Sprintf("1 × %s past the ceiling, else %s", interval, windows)
	}
	return windows
}

func lifetimeText(w Windows) string {
	var parts []string
	if w.MaxWindows > 0 {
		parts = append(parts, fmt.Sprintf("%d windows", w.MaxWindows))
	}
	if w.MaxBake.Duration > 0 {
		parts = append(parts, FormatDuration(w.MaxBake.Duration))
	}
	return "Lifetime: " + strings.Join(parts, " or ") + ", then the release's evidence, pooled over all its windows, decides: " +
		"a metric shown beyond its allowance, or never settled with its estimate beyond it, or failing in the last 2 windows in a row, rolls back; " +
		"a critical metric that never had data, or missing data in the recent windows, escalates; " +
		"otherwise (every metric settled within its allowance or estimated within it) it is promoted, and the message names every metric that never settled, with its estimate."
}

// failsWhen describes the effect-size gate in the metric's bad direction(s).
func failsWhen(p Policy, m Metric) string {
	e := m.EffectSize
	sig, gt, lt := "the interval lies above ", ">", "<"
	if p.Mode == ModeKayenta {
		sig, gt, lt = "interval clears tolerance and ", "≥", "≤"
	}
	var up, down string
	switch e.Measure {
	case MeasureMeanDiff:
		up = fmt.Sprintf("mean rises by > %s", g(e.AllowedIncrease))
		down = fmt.Sprintf("mean falls by > %s", g(e.AllowedDecrease))
	case MeasureCLES:
		up = fmt.Sprintf("P(canary > baseline) %s %s", gt, g(e.AllowedIncrease))
		down = fmt.Sprintf("P(canary > baseline) %s %s", lt, g(e.AllowedDecrease))
	case MeasureRateRatio:
		up = fmt.Sprintf("rate ratio %s %s", gt, g(e.AllowedIncrease))
		down = fmt.Sprintf("rate ratio %s %s", lt, g(e.AllowedDecrease))
	default:
		up = fmt.Sprintf("mean ratio %s %s", gt, g(e.AllowedIncrease))
		down = fmt.Sprintf("mean ratio %s %s", lt, g(e.AllowedDecrease))
	}
	if p.Mode != ModeKayenta {
		sig = "whole interval beyond: "
		if e.Floor > 0 {
			up += fmt.Sprintf(" and difference > %s", g(e.Floor))
			down += fmt.Sprintf(" and difference < -%s", g(e.Floor))
		}
	}
	switch m.Direction {
	case DirIncrease:
		return sig + up
	case DirDecrease:
		return sig + down
	}
	return sig + up + " or " + down
}

// cell escapes text for a Markdown table cell.
func cell(s string) string {
	s = strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ").Replace(s)
	if s == "" {
		return "—"
	}
	return s
}

// query renders a query as inline code (escaped for a table cell).
func query(q string) string {
	q = strings.TrimSpace(q)
	if q == "" {
		return "—"
	}
	if strings.Contains(q, "`") {
		return cell(q)
	}
	return "`" + cell(q) + "`"
}

func g(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func round2(x float64) float64 { return float64(int64(x*100+0.5)) / 100 }
