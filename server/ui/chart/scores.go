package chart

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Score chart geometry: windows in time order along x, score 0-100 up y.
const (
	scW, scH        = 480.0, 180.0
	scLeft, scRight = 40.0, 460.0
	scTop, scBottom = 14.0, 150.0
)

// ScorePoint is one judged window.
type ScorePoint struct {
	Label   string        // e.g. "3" or "v2.1 #3"
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
// hollow mark on the zero line.
func Scores(id, title string, pts []ScorePoint, pass, marginal float64) template.HTML {
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
	var trend []string
	for i, p := range pts {
		if p.Score != nil {
			trend = append(trend, f(x.at(float64(i+1)))+","+f(y.at(*p.Score)))
		}
	}
	if len(trend) > 1 {
		s.el("polyline", "class", "trend", "points", strings.Join(trend, " "), "fill", "none", "stroke", "#999")
	}
	for i, p := range pts {
		s.scorePoint(x.at(float64(i+1)), y, p)
	}
	s.yAxis(y, scLeft)
	s.el("line", "class", "axis", "x1", f(scLeft), "y1", f(scBottom), "x2", f(scRight), "y2", f(scBottom), "stroke", "#555")
	return s.end()
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
