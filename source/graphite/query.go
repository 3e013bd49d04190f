package graphite

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

// Placeholders in a metric's target: ScopeMark becomes the side's tag
// expressions for seriesByTag ('app=checkout','track=canary'), StepMark
// the step as a Graphite interval ('15s', for summarize).
const (
	ScopeMark = "{{scope}}"
	StepMark  = "{{step}}"
)

// Expressions renders a scope as seriesByTag tag expressions, sorted by
// tag, each a single-quoted string 'tag=value'. Graphite's tag values may
// not hold ';' or start with '~' (that would make the match a regular
// expression), and its target grammar has no escape inside a quoted
// string, so a value with a quote, a backslash, a ';', a leading '~' or a
// control character is refused, never spliced.
func Expressions(s source.Scope) (string, error) {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if v == "" || strings.HasPrefix(v, "~") || strings.ContainsAny(v, `'"\;`) ||
			strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", fmt.Errorf("label %s: value %q cannot be a Graphite tag value in a seriesByTag expression (empty, a leading ~, a quote, a backslash, ';' or a control character); it is refused rather than spliced", k, v)
		}
		parts = append(parts, "'"+k+"="+v+"'")
	}
	return strings.Join(parts, ","), nil
}

// Render fills a target's placeholders for one side.
func Render(q string, s source.Scope, w sourcekit.Window) (string, error) {
	e, err := Expressions(s)
	if err != nil {
		return "", err
	}
	step := "'" + strconv.FormatInt(int64(w.Step.Seconds()), 10) + "s'"
	return strings.NewReplacer(ScopeMark, e, StepMark, step).Replace(q), nil
}

// CheckMetrics reports metrics a scheduled run cannot query.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		switch {
		case q == "":
			v.Add(at, "is required for scheduled runs: the Graphite target that gives "+what)
		case !strings.Contains(q, ScopeMark):
			v.Add(at, "must contain "+ScopeMark+" among seriesByTag's expressions, e.g. sumSeries(seriesByTag('name=http_requests',{{scope}}))")
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
