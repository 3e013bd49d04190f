package judge

import (
	"fmt"
	"strconv"
	"strings"
)

// RenderTriggers renders a policy's trigger and signal table as Markdown:
// one row per metric (group, weight, query, direction, critical, ceiling,
// allowed effect, min samples, windows to fail), then the thresholds,
// windows and guards that apply to all of them. It is pure so that the CLI
// and the HTTP API print the same table.
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
		fmt.Fprintf(&b, " · significance level %s\n\n", g(p.Alpha))
	}
	b.WriteString("| metric | group | weight | query | direction | critical | ceiling | fails when | min samples | windows |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	names := make([]string, len(p.Metrics))
	for i, m := range p.Metrics {
		names[i] = m.Group
	}
	weights := effectiveWeights(p.Groups, names)
	interval := fmtDuration(p.Windows.Interval.Duration)
	for _, m := range p.Metrics {
		critical := "no"
		if m.Critical {
			critical = "yes"
		}
		if m.MustHaveData {
			critical += ", must have data"
		}
		ceiling, windows := "—", fmt.Sprintf("%d × %s", p.Windows.ConsecutiveFailures, interval)
		if m.Ceiling != nil {
			ceiling = fmt.Sprintf("%s > %s", m.CeilingStat, g(*m.Ceiling))
			windows = fmt.Sprintf("1 × %s past the ceiling, else %s", interval, windows)
		}
		minSamples := strconv.Itoa(m.MinSamples)
		if p.Mode == ModeKayenta {
			minSamples = "— (any)"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n",
			cell(m.Name), cell(m.Group), g(round2(weights[m.Group])), query(m.Query), m.Direction, critical,
			cell(ceiling), cell(failsWhen(p, m)), minSamples, windows)
	}
	w, gd := p.Windows, p.Guards
	fmt.Fprintf(&b, "\nWindows of %s. Promote after at least %d passing windows and %s of bake. "+
		"Roll back after %d consecutive failing windows (a ceiling breach at once). "+
		"Escalate after %d consecutive windows without data.\n",
		interval, w.MinWindows, fmtDuration(w.MinBake.Duration), w.ConsecutiveFailures, w.ConsecutiveNoData)
	fmt.Fprintf(&b, "\nGuards: at most %d automatic rollbacks per service and %d fleet-wide per %s; "+
		"a rollback not done within %s halts the release; migrations: %s.\n",
		gd.RollbackCap.PerService, gd.RollbackCap.Fleet, fmtDuration(gd.RollbackCap.Window.Duration),
		fmtDuration(gd.RollbackTimeout.Duration), gd.Migrations)
	return b.String()
}

// failsWhen describes the effect-size gate in the metric's bad direction(s).
func failsWhen(p Policy, m Metric) string {
	e := m.EffectSize
	sig, gt, lt := "significant and ", ">", "<"
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
	default:
		up = fmt.Sprintf("mean ratio %s %s", gt, g(e.AllowedIncrease))
		down = fmt.Sprintf("mean ratio %s %s", lt, g(e.AllowedDecrease))
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
