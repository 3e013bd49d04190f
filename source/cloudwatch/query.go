package cloudwatch

import (
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
)

// ScopeMark in a Metrics Insights statement becomes the side's conditions
// ("app" = 'checkout' AND "track" = 'canary').
const ScopeMark = "{{scope}}"

// Math is the JSON form of a query: metric data queries (a metric stat or
// a metric math expression each), the scope added to every metric stat's
// dimensions, and the id whose series is the answer.
type Math struct {
	Queries []MathQuery `json:"queries"`
	Return  string      `json:"return"`
}

// MathQuery is one metric data query of a Math document.
type MathQuery struct {
	ID         string            `json:"id"`
	Namespace  string            `json:"namespace,omitempty"`
	Metric     string            `json:"metric,omitempty"`
	Dimensions map[string]string `json:"dimensions,omitempty"`
	Stat       string            `json:"stat,omitempty"`
	Expression string            `json:"expression,omitempty"`
}

var idRE = regexp.MustCompile(`^[a-z][a-zA-Z0-9_]*$`)

// parseMath reads and checks a Math document.
func parseMath(q string) (Math, error) {
	var m Math
	dec := json.NewDecoder(strings.NewReader(q))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return m, fmt.Errorf("a CloudWatch query is a Metrics Insights SELECT or a JSON metric math document {queries, return}: %v", err)
	}
	ids := map[string]bool{}
	for _, mq := range m.Queries {
		switch {
		case !idRE.MatchString(mq.ID) || ids[mq.ID]:
			return m, fmt.Errorf("query id %q must be unique and start with a lower-case letter", mq.ID)
		case (mq.Expression == "") == (mq.Metric == ""):
			return m, fmt.Errorf("query %s needs either a metric (with namespace and stat) or an expression", mq.ID)
		case mq.Metric != "" && (mq.Namespace == "" || mq.Stat == ""):
			return m, fmt.Errorf("query %s: a metric needs a namespace and a stat (Sum, Average, Maximum, p99, ...)", mq.ID)
		}
		ids[mq.ID] = true
	}
	if !ids[m.Return] {
		return m, fmt.Errorf("return %q names none of the queries", m.Return)
	}
	return m, nil
}

// Conditions renders a scope as Metrics Insights conditions, sorted by
// dimension: names double-quoted, values single-quoted. Metrics Insights
// documents no escape inside a string, so a value with a quote, a
// backslash or a control character is refused, never spliced.
func Conditions(s source.Scope) (string, error) {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		v := s[k]
		if strings.ContainsAny(v, `'"\`) || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			return "", fmt.Errorf("label %s: value %q holds a quote, a backslash or a control character, which Metrics Insights strings cannot carry; it is refused rather than spliced (the JSON metric math form takes any value)", k, v)
		}
		parts = append(parts, `"`+k+`" = '`+v+`'`)
	}
	return strings.Join(parts, " AND "), nil
}

func isInsights(q string) bool {
	return strings.HasPrefix(strings.ToUpper(strings.TrimSpace(q)), "SELECT")
}

// Render fills a query for one side: a Metrics Insights statement gets
// its conditions; a math document gets the scope as every metric stat's
// dimensions (written back as JSON, which is what the window records).
func Render(q string, s source.Scope) (string, error) {
	if isInsights(q) {
		c, err := Conditions(s)
		if err != nil {
			return "", err
		}
		return strings.ReplaceAll(q, ScopeMark, c), nil
	}
	m, err := parseMath(q)
	if err != nil {
		return "", err
	}
	for i := range m.Queries {
		if m.Queries[i].Metric == "" {
			continue
		}
		d := maps.Clone(m.Queries[i].Dimensions)
		if d == nil {
			d = map[string]string{}
		}
		maps.Copy(d, s)
		m.Queries[i].Dimensions = d
	}
	b, _ := json.Marshal(m)
	return string(b), nil
}

// CheckMetrics reports metrics a scheduled run cannot query.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		switch {
		case q == "":
			v.Add(at, "is required for scheduled runs: the Metrics Insights statement or metric math document that gives "+what)
		case isInsights(q) && !strings.Contains(q, ScopeMark):
			v.Add(at, "must contain "+ScopeMark+" in its WHERE clause, e.g. SELECT SUM(RequestCount) FROM SCHEMA(\"AWS/ApplicationELB\", TargetGroup) WHERE {{scope}}")
		case !isInsights(q):
			if _, err := parseMath(q); err != nil {
				v.Add(at, err.Error())
			}
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

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
