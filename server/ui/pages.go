package ui

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
	"github.com/canaryjudge/canaryjudge/server/ui/chart"
)

type reportView struct {
	R       report.Report
	Scores  template.HTML
	Metrics []metricView
	Windows []windowLink
	// Calls are the override calls of a halted release as curl commands
	// against this server (with the bearer header when auth is on).
	Calls []overrideCall
}

// overrideCall is one of report.NextSteps' calls, ready to paste.
type overrideCall struct {
	report.Override
	Curl string
}

type metricView struct {
	M                   report.Metric
	Anchor              string
	Box, Effect, Series template.HTML
}

type windowLink struct {
	Seq     int
	Href    string
	Verdict judge.Verdict
	Current bool
}

// report is one release's report page.
func (u *UI) report(r *http.Request) (view, error) {
	id := chi.URLParam(r, "id")
	o := report.Options{}
	if w := r.URL.Query().Get("window"); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n < 1 {
			return view{}, errBadRequest("window must be a window number (1, 2, ...)")
		}
		o.Window = n
	}
	rel, err := u.o.Store.GetRelease(r.Context(), id)
	if err != nil {
		return view{}, err
	}
	if !allowed(r, rel.Service) {
		return view{}, errForbidden("this token may not read the service " + rel.Service)
	}
	rep, err := report.BuildFor(r.Context(), u.o.Store, rel, o)
	if err != nil {
		return view{}, err
	}
	v := reportViewOf(rep)
	v.Calls = curlCalls(rep.NextSteps, baseURL(r), u.o.Auth != nil)
	return view{Name: "report", Title: rep.Release.Service + " " + rep.Release.Version, Data: v}, nil
}

// baseURL is this server as the browser reached it.
func baseURL(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// curlCalls writes each override call as a curl command line; the body is
// JSON without single quotes, so it sits in single quotes as it is.
func curlCalls(ns *report.NextSteps, base string, auth bool) []overrideCall {
	if ns == nil {
		return nil
	}
	out := make([]overrideCall, 0, len(ns.Calls))
	for _, c := range ns.Calls {
		hdr := ""
		if auth {
			hdr = ` -H "Authorization: Bearer $TOKEN"`
		}
		body := strings.ReplaceAll(c.Body, "'", `'\''`)
		out = append(out, overrideCall{Override: c, Curl: fmt.Sprintf("curl -X %s '%s%s'%s -H 'Content-Type: application/json' -d '%s'",
			c.Method, base, c.Path, hdr, body)})
	}
	return out
}

// reportViewOf draws the report's charts.
func reportViewOf(rep report.Report) reportView {
	v := reportView{R: rep}
	pts := make([]chart.ScorePoint, 0, len(rep.Windows))
	for _, w := range rep.Windows {
		href := ""
		if w.Verdict != "" {
			href = "/ui/releases/" + url.PathEscape(rep.Release.ID) + "?window=" + strconv.Itoa(w.Seq)
			v.Windows = append(v.Windows, windowLink{Seq: w.Seq, Href: href, Verdict: w.Verdict, Current: w.Seq == rep.Window})
		}
		pts = append(pts, chart.ScorePoint{Label: "window " + strconv.Itoa(w.Seq) + ", " + report.SpanText(w.Start, w.End),
			Tick: strconv.Itoa(w.Seq), Score: w.Score, Verdict: w.Verdict, Href: href})
	}
	pass, marginal := 0.0, 0.0
	if rep.Thresholds != nil {
		pass, marginal = rep.Thresholds.Pass, rep.Thresholds.Marginal
	}
	v.Scores = chart.Scores("scores", "score of each window of "+rep.Release.Service+" "+rep.Release.Version, pts, pass, marginal,
		"window (in the order judged)")
	for i, m := range rep.Metrics {
		mv := metricView{M: m, Anchor: fmt.Sprintf("metric-%d", i+1)}
		id := fmt.Sprintf("m%d", i+1)
		if m.Distribution != nil {
			mv.Box = chart.Box(id+"-box", m.Name, rep.Window, *m.Distribution)
		}
		if m.Effect != nil {
			mv.Effect = chart.Effect(id+"-effect", m.Name, m.Measure, *m.Effect, m.Allowance)
		}
		mv.Series = chart.Series(id+"-series", m.Name, m.Measure, m.Series, m.Allowance)
		v.Metrics = append(v.Metrics, mv)
	}
	return v
}
