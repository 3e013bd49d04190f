package influxdb

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Placeholders in a metric's InfluxQL: ScopeMark becomes the side's tag
// conditions ("app" = 'checkout' AND "track" = 'canary'), TimeMark the
// window (time >= ...ms AND time < ...ms), IntervalMark the step and the
// window's offset for GROUP BY time() (15000ms, or 15000ms, 3000ms when
// the window does not start on a multiple of the step), StepMark the step.
const (
	ScopeMark    = "{{scope}}"
	TimeMark     = "{{timeFilter}}"
	IntervalMark = "{{interval}}"
	StepMark     = "{{step}}"
)

// Conditions renders a scope as InfluxQL conditions, sorted by tag: keys
// as double-quoted identifiers, values as single-quoted string literals
// with InfluxQL's escapes (\\, \', and \n for a newline, which may not
// appear raw in a literal), so a value only ever compares as itself.
func Conditions(s source.Scope) string {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		parts = append(parts, `"`+k+`" = `+Literal(s[k]))
	}
	return strings.Join(parts, " AND ")
}

// Literal quotes s as an InfluxQL string literal.
func Literal(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`, "\n", `\n`).Replace(s) + "'"
}

// Render fills a query's placeholders for one side and window.
func Render(q string, s source.Scope, w sourcekit.Window) string {
	step := w.Step.Milliseconds()
	interval := strconv.FormatInt(step, 10) + "ms"
	if off := w.Start.UnixMilli() % step; off != 0 {
		interval += ", " + strconv.FormatInt(off, 10) + "ms"
	}
	return strings.NewReplacer(ScopeMark, Conditions(s),
		TimeMark, fmt.Sprintf("time >= %dms AND time < %dms", w.Start.UnixMilli(), w.End.UnixMilli()),
		IntervalMark, interval, StepMark, strconv.FormatInt(step, 10)+"ms").Replace(q)
}

// CheckMetrics reports metrics a scheduled run cannot query: every query
// must place the scope and the window.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		switch {
		case q == "":
			v.Add(at, "is required for scheduled runs: the InfluxQL that gives "+what)
		case !strings.Contains(q, ScopeMark) || !strings.Contains(q, TimeMark):
			v.Add(at, "must contain "+ScopeMark+" and "+TimeMark+` in its WHERE clause, e.g. SELECT mean("value") FROM "cpu" WHERE {{scope}} AND {{timeFilter}} GROUP BY time({{interval}}) fill(none)`)
		}
	}
	for i, m := range ms {
		check(fmt.Sprintf("policy.metrics[%d].query", i), m.Query, m.Name)
		if m.Kind == judge.KindCount {
			check(fmt.Sprintf("policy.metrics[%d].total_query", i), m.TotalQuery, "the totals of "+m.Name)
		}
	}
	return v.Err()
}
