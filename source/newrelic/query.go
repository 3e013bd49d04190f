package newrelic

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

// Placeholders in a metric's NRQL: ScopeMark becomes the side's
// conditions (`app` = 'checkout' AND `track` = 'canary'), WindowMark the
// window (SINCE <ms> UNTIL <ms>), StepMark the bucket for TIMESERIES
// (15 seconds).
const (
	ScopeMark  = "{{scope}}"
	WindowMark = "{{window}}"
	StepMark   = "{{step}}"
)

// Conditions renders a scope as NRQL conditions, sorted by attribute:
// names in backticks, values in single quotes. NRQL documents no escape
// for a quote or a backslash inside a string, so a value holding one (or
// a control character) is refused, never spliced.
func Conditions(s source.Scope) (string, error) {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if strings.ContainsAny(v, `'\`) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", fmt.Errorf("label %s: value %q holds a quote, a backslash or a control character, which NRQL strings have no documented escape for; it is refused rather than spliced", k, v)
		}
		parts = append(parts, "`"+k+"` = '"+v+"'")
	}
	return strings.Join(parts, " AND "), nil
}

// Render fills a query's placeholders for one side and window.
func Render(q string, s source.Scope, w sourcekit.Window) (string, error) {
	c, err := Conditions(s)
	if err != nil {
		return "", err
	}
	window := "SINCE " + strconv.FormatInt(w.Start.UnixMilli(), 10) + " UNTIL " + strconv.FormatInt(w.End.UnixMilli(), 10)
	step := strconv.FormatInt(int64(w.Step.Seconds()), 10) + " seconds"
	return strings.NewReplacer(ScopeMark, c, WindowMark, window, StepMark, step).Replace(q), nil
}

// CheckMetrics reports metrics a scheduled run cannot query.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		switch {
		case q == "":
			v.Add(at, "is required for scheduled runs: the NRQL that gives "+what)
		case !strings.Contains(q, ScopeMark) || !strings.Contains(q, WindowMark) || !strings.Contains(strings.ToUpper(q), "TIMESERIES"):
			v.Add(at, "must contain "+ScopeMark+", TIMESERIES "+StepMark+" and "+WindowMark+", e.g. SELECT average(cpuPercent) FROM SystemSample WHERE {{scope}} TIMESERIES {{step}} {{window}}")
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
