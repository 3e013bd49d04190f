package web

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/source"
	"github.com/canaryjudge/canaryjudge/source/sourcekit"
)

// A metric's query is "GET /path?query", "POST /path BODY" or just
// "/path?query". Placeholders: {{scope}} (in the query string: every
// label as a parameter, app=checkout&track=canary; in a body: a JSON
// object), {{scope.NAME}} (one label's value: escaped for the URL path or
// query it stands in, or a JSON string in a body), {{start}} and {{end}}
// (Unix seconds; {{start_ms}}, {{end_ms}}: milliseconds) and {{step}}
// (seconds). A value can therefore never add a parameter, a path segment
// or a JSON member.
var placeholder = regexp.MustCompile(`\{\{(scope(?:\.[A-Za-z_][A-Za-z0-9_]*)?|start|end|start_ms|end_ms|step)\}\}`)

// request is a rendered query.
type request struct {
	Method, Path, Body string
}

func (r request) String() string {
	s := r.Method + " " + r.Path
	if r.Body != "" {
		s += " " + r.Body
	}
	return s
}

// split reads a query template's method, path and body.
func split(q string) (request, error) {
	q = strings.TrimSpace(q)
	r := request{Method: "GET"}
	if m, rest, ok := strings.Cut(q, " "); ok && (m == "GET" || m == "POST") {
		r.Method, q = m, strings.TrimSpace(rest)
	}
	r.Path, r.Body, _ = strings.Cut(q, " ")
	switch {
	case !strings.HasPrefix(r.Path, "/"):
		return r, fmt.Errorf("must be GET /path?query or POST /path BODY (the path starts with /), not %q", sourcekit.Truncate(q, 80))
	case r.Method == "GET" && r.Body != "":
		return r, fmt.Errorf("a GET has no body; the path may not contain spaces")
	}
	return r, nil
}

// Render fills a query's placeholders for one side and window.
func Render(q string, s source.Scope, w sourcekit.Window) (request, error) {
	r, err := split(q)
	if err != nil {
		return r, err
	}
	var missing error
	fill := func(tmpl string, esc func(name, val string) string, scopeAll func() string) string {
		return placeholder.ReplaceAllStringFunc(tmpl, func(m string) string {
			name := m[2 : len(m)-2]
			switch name {
			case "scope":
				return scopeAll()
			case "start":
				return strconv.FormatInt(w.Start.Unix(), 10)
			case "end":
				return strconv.FormatInt(w.End.Unix(), 10)
			case "start_ms":
				return strconv.FormatInt(w.Start.UnixMilli(), 10)
			case "end_ms":
				return strconv.FormatInt(w.End.UnixMilli(), 10)
			case "step":
				return strconv.FormatInt(int64(w.Step.Seconds()), 10)
			}
			label := strings.TrimPrefix(name, "scope.")
			v, ok := s[label]
			if !ok {
				missing = fmt.Errorf("the query uses {{scope.%s}} but the scope has no label %s", label, label)
			}
			return esc(label, v)
		})
	}
	path, query, hasQuery := strings.Cut(r.Path, "?")
	r.Path = fill(path, func(_, v string) string { return url.PathEscape(v) }, func() string {
		missing = fmt.Errorf("{{scope}} belongs in the query string or the body, not the path")
		return ""
	})
	if hasQuery {
		r.Path += "?" + fill(query, func(_, v string) string { return url.QueryEscape(v) }, func() string { return queryOf(s) })
	}
	if r.Body != "" {
		r.Body = fill(r.Body, func(_, v string) string { b, _ := json.Marshal(v); return string(b) },
			func() string { b, _ := json.Marshal(s); return string(b) })
	}
	return r, missing
}

// queryOf writes a scope as query parameters, sorted by name.
func queryOf(s source.Scope) string {
	parts := make([]string, 0, len(s))
	for _, k := range slices.Sorted(maps.Keys(s)) {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(s[k]))
	}
	return strings.Join(parts, "&")
}

// CheckMetrics reports metrics a scheduled run cannot query: each query
// must be a request template that places the scope.
func (Backend) CheckMetrics(ms []judge.Metric) error {
	v := &judge.ValidationError{}
	check := func(at, q, what string) {
		if q == "" {
			v.Add(at, "is required for scheduled runs: the request that gives "+what+", e.g. GET /series?name=errors&{{scope}}&from={{start}}&to={{end}}&step={{step}}")
			return
		}
		if _, err := split(q); err != nil {
			v.Add(at, err.Error())
		} else if !strings.Contains(q, "{{scope") {
			v.Add(at, "must place the scope: {{scope}} or {{scope.LABEL}}")
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
