package datadog

import (
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// Placeholders in a metric's query: ScopeMark becomes the side's tag
// filters inside a metric's braces (app:checkout,track:canary), StepMark
// the step in seconds (for .rollup(sum, {{step}})).
const (
	ScopeMark = "{{scope}}"
	StepMark  = "{{step}}"
)

// tagValue is what a Datadog tag value may hold (Datadog's tag rules:
// letters, digits, underscores, minuses, colons, periods and slashes);
// anything else has no quoting in the query language, so it is refused.
var tagValue = regexp.MustCompile(`^[A-Za-z0-9_./:-]+$`)

// Filters renders a scope as Datadog tag filters, sorted by tag.
func Filters(s source.Scope) (string, error) {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if !tagValue.MatchString(v) {
			return "", fmt.Errorf("label %s: value %q cannot be written as a Datadog tag filter (tags hold only letters, digits and _ - : . /; the query language has no quoting), so it is refused rather than spliced", k, v)
		}
		parts = append(parts, k+":"+v)
	}
	return strings.Join(parts, ","), nil
}

// Render fills a query's placeholders for one side.
func Render(q string, s source.Scope, w sourcekit.Window) (string, error) {
	f, err := Filters(s)
	if err != nil {
		return "", err
	}
	step := strconv.FormatInt(int64(w.Step.Seconds()), 10)
	return strings.NewReplacer(ScopeMark, f, StepMark, step).Replace(q), nil
}

// CheckMetrics reports metrics a scheduled run cannot query.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		switch {
		case q == "":
			v.Add(at, "is required for scheduled runs: the Datadog query that gives "+what)
		case !strings.Contains(q, ScopeMark):
			v.Add(at, "must contain "+ScopeMark+" where the tag filters go, e.g. sum:trace.http.request.hits{service:web,{{scope}}}.as_count().rollup(sum, {{step}})")
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
