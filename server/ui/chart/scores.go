package chart

import (
	"fmt"
	"html/template"
	"math"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Score chart geometry: windows in time order along x, score 0-100 up y;
// below the plot the x ticks' labels (y 164) and the x axis label (y 177),
// left of it the y axis label, turned (x 10).
const (
	scW, scH        = 480.0, 180.0
	scLeft, scRight = 40.0, 460.0
	scTop, scBottom = 14.0, 150.0
	scTickGap       = 6.0 // px between two x tick labels, at least
)

// ScorePoint is one judged window.
type ScorePoint struct {
	Label   string        // the mark's tooltip, e.g. "window 3, 2026-01-05 09:10-09:15 UTC"
	Tick    string        // its x axis label ("3", a version); "" for none
	Line    string        // marks of one Line are joined in order (one release's windows)
	Score   *float64      // nil when the window had no result
	Verdict judge.Verdict // empty when the source failed
	Href    string        // where the point links to ("" for none)
}

func verdictColor(v judge.Verdict) string {
	switch v {
	case judge.VerdictPass:
		return "#2a9d8f"
	case judge.VerdictMarginal:
		return "#e9c46a"
	case judge.VerdictFail:
		return "#d62828"
	}
	return "#adb5bd"
}

// Scores draws windows' scores in order with the pass and marginal
// thresholds dashed; a window without a score (nodata, source error) is a
// hollow mark on the zero line. The marks of each Line are joined (never
// across lines: another release's windows are another line). The y axis
// is labelled "score (0-100)", the x axis xLabel.
func Scores(id, title string, pts []ScorePoint, pass, marginal float64, xLabel string) template.HTML {
	y := linear{d0: 0, d1: 100, r0: scBottom, r1: scTop}
	x := linear{d0: 0.5, d1: float64(max(len(pts), 1)) + 0.5, r0: scLeft, r1: scRight}
	desc := make([]string, 0, len(pts)+1)
	desc = append(desc, fmt.Sprintf("pass at %s, marginal at %s", Num(pass), Num(marginal)))
	for _, p := range pts {
		desc = append(desc, fmt.Sprintf("%s %s %s", p.Label, numOr(p.Score, "no score"), orText(string(p.Verdict), "error")))
	}
	var s svg
	s.start(id, "scores", scW, scH, title, strings.Join(desc, "; "))
	for _, t := range []struct {
		class string
		v     float64
	}{{"threshold pass", pass}, {"threshold marginal", marginal}} {
		s.el("line", "class", t.class, "x1", f(scLeft), "y1", f(y.at(t.v)), "x2", f(scRight), "y2", f(y.at(t.v)),
			"stroke", "#888", "stroke-dasharray", "4 3")
	}
	s.trends(x, y, pts)
	for i, p := range pts {
		s.scorePoint(x.at(float64(i+1)), y, p)
	}
	s.yAxis(y, scLeft)
	s.el("line", "class", "axis", "x1", f(scLeft), "y1", f(scBottom), "x2", f(scRight), "y2", f(scBottom), "stroke", "#555")
	s.scoreTicks(x, pts)
	s.text("text", "score (0-100)", "class", "axis-label y", "x", "10", "y", f((scTop+scBottom)/2), "text-anchor", "middle",
		"font-size", "10", "transform", "rotate(-90 10 "+f((scTop+scBottom)/2)+")")
	s.text("text", xLabel, "class", "axis-label x", "x", f(scRight), "y", "177", "text-anchor", "end", "font-size", "10")
	return s.end()
}

// trends joins the scored marks of each line, in order.
func (s *svg) trends(x, y linear, pts []ScorePoint) {
	var order []string
	lines := map[string][]string{}
	for i, p := range pts {
		if p.Score == nil {
			continue
		}
		if _, ok := lines[p.Line]; !ok {
			order = append(order, p.Line)
		}
		lines[p.Line] = append(lines[p.Line], f(x.at(float64(i+1)))+","+f(y.at(*p.Score)))
	}
	for _, l := range order {
		if len(lines[l]) > 1 {
			s.el("polyline", "class", "trend", "points", strings.Join(lines[l], " "), "fill", "none", "stroke", "#999")
		}
	}
}

// scoreTicks marks and labels the points with a Tick, leaving out a label
// that would run into the one before it (about 6 px per character).
func (s *svg) scoreTicks(x linear, pts []ScorePoint) {
	last := math.Inf(-1)
	for i, p := range pts {
		if p.Tick == "" {
			continue
		}
		px := x.at(float64(i + 1))
		half := 3 * float64(len(p.Tick))
		if px-half < last+scTickGap {
			continue
		}
		last = px + half
		s.el("line", "class", "tick", "x1", f(px), "y1", f(scBottom), "x2", f(px), "y2", f(scBottom+4), "stroke", "#555")
		s.text("text", p.Tick, "class", "tick-label", "x", f(px), "y", "164", "text-anchor", "middle", "font-size", "10")
	}
}

func (s *svg) scorePoint(px float64, y linear, p ScorePoint) {
	if p.Href != "" {
		s.open("a", "href", p.Href)
	}
	label := p.Label + ": " + numOr(p.Score, "no score") + " " + orText(string(p.Verdict), "error")
	if p.Score == nil {
		s.open("circle", "class", "score nodata", "cx", f(px), "cy", f(y.at(0)), "r", "4", "fill", "#fff", "stroke", verdictColor(p.Verdict))
	} else {
		s.open("circle", "class", "score verdict-"+string(p.Verdict), "cx", f(px), "cy", f(y.at(*p.Score)), "r", "4",
			"fill", verdictColor(p.Verdict))
	}
	s.text("title", label)
	s.close("circle")
	if p.Href != "" {
		s.close("a")
	}
}

func orText(s, none string) string {
	if s == "" {
		return none
	}
	return s
}
