package prometheus

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// Placeholders in a metric's query: ScopeMark is replaced by the side's
// label matchers (put it inside a selector's braces), StepMark by the
// source's step as a PromQL duration (e.g. increase(x[{{step}}]) for the
// events per point of a count metric).
const (
	ScopeMark = "{{scope}}"
	StepMark  = "{{step}}"
)

// Matchers renders a scope as PromQL label matchers, sorted by name:
// app="checkout",track="canary". Values are quoted as Go string literals,
// which PromQL reads with the same escapes, so no value (a quote, a brace,
// a backslash, a newline) can end the string early: it only ever matches
// itself. Names must already be valid label names (source.ValidateScope).
func Matchers(s source.Scope) string {
	var b strings.Builder
	for i, k := range slices.Sorted(maps.Keys(s)) {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(strconv.Quote(s[k]))
	}
	return b.String()
}

// Render fills a query's placeholders for one side.
func Render(query string, s source.Scope, step time.Duration) string {
	q := strings.ReplaceAll(query, ScopeMark, Matchers(s))
	return strings.ReplaceAll(q, StepMark, promDuration(step))
}

// promDuration writes a duration the way PromQL reads one (whole seconds
// or milliseconds: "15s", "1500ms").
func promDuration(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10) + "s"
	}
	return strconv.FormatInt(d.Milliseconds(), 10) + "ms"
}

// CheckMetrics reports metrics a scheduled run cannot query: every metric
// needs a query that marks where the scope goes (otherwise canary and
// baseline would get the same series), and a count metric a total_query.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	for i, m := range ms {
		at := fmt.Sprintf("policy.metrics[%d].", i)
		switch {
		case m.Query == "":
			v.Add(at+"query", "is required for scheduled runs: the PromQL that gives "+m.Name)
		case !strings.Contains(m.Query, ScopeMark):
			v.Add(at+"query", "must contain "+ScopeMark+" where the canary's and the baseline's label matchers go, e.g. rate(http_requests_total{"+ScopeMark+"}[1m])")
		}
		if m.Kind != judge.KindCount {
			continue
		}
		switch {
		case m.TotalQuery == "":
			v.Add(at+"total_query", "is required for a count metric in scheduled runs: the PromQL of its totals (query gives its events)")
		case !strings.Contains(m.TotalQuery, ScopeMark):
			v.Add(at+"total_query", "must contain "+ScopeMark+" where the label matchers go")
		}
	}
	return v.Err()
}
