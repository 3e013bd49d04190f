package chart

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/canaryjudge/canaryjudge/report"
)

// Box plot geometry: rows for baseline then canary, a shared x axis.
const (
	boxW, boxH           = 480.0, 140.0
	boxLeft, boxRight    = 80.0, 460.0
	boxBaseY, boxCanaryY = 40.0, 80.0
	boxHalf              = 11.0 // half the box height
	boxAxisY             = 108.0
)

// Box draws both sides' distributions of one metric in one window as box
// plots on a shared axis: the whisker spans min to max, the box the first
// to third quartile, a bar marks the median and a dot the mean. With only
// summary statistics (no quartiles) the box is left out.
func Box(id, metric string, window int, d report.Distribution) template.HTML {
	var ext extent
	for _, q := range []report.Quantiles{d.Canary, d.Baseline} {
		ext.add(q.Min, q.Q1, q.Median, q.Q3, q.Max, q.Mean)
	}
	lo, hi := span(ext.lo, ext.hi)
	x := linear{d0: lo, d1: hi, r0: boxLeft, r1: boxRight}
	of := "values"
	if d.Of == "rate" {
		of = "rates per point (events/total)"
	}
	title := fmt.Sprintf("%s: canary vs baseline %s in window %d", metric, of, window)
	desc := "baseline " + describeQ(d.Baseline) + "; canary " + describeQ(d.Canary)
	var s svg
	s.start(id, "box", boxW, boxH, title, desc, "data-metric", metric, "data-window", fmt.Sprint(window))
	if !ext.ok {
		s.text("text", "no data", "x", f(boxW/2), "y", f(boxH/2), "text-anchor", "middle")
		return s.end()
	}
	s.boxRow(x, boxBaseY, "baseline", d.Baseline)
	s.boxRow(x, boxCanaryY, "canary", d.Canary)
	s.xAxis(x, boxAxisY, d.Of)
	return s.end()
}

// boxRow draws one side at height y.
func (s *svg) boxRow(x linear, y float64, side string, q report.Quantiles) {
	fill := map[string]string{"canary": "#f4a261", "baseline": "#8ab6d6"}[side]
	s.open("g", "class", "side "+side)
	s.text("text", side, "x", f(boxLeft-6), "y", f(y+4), "text-anchor", "end", "font-size", "11")
	if q.Min != nil && q.Max != nil {
		s.el("line", "class", "whisker", "x1", f(x.at(*q.Min)), "y1", f(y), "x2", f(x.at(*q.Max)), "y2", f(y), "stroke", "#333")
	}
	if q.Q1 != nil && q.Q3 != nil {
		x1, x3 := x.at(*q.Q1), x.at(*q.Q3)
		s.el("rect", "class", "box", "x", f(x1), "y", f(y-boxHalf), "width", f(x3-x1), "height", f(2*boxHalf),
			"fill", fill, "stroke", "#333")
	}
	if q.Median != nil {
		m := x.at(*q.Median)
		s.el("line", "class", "median", "x1", f(m), "y1", f(y-boxHalf), "x2", f(m), "y2", f(y+boxHalf), "stroke", "#000", "stroke-width", "2")
	}
	if q.Mean != nil {
		s.el("circle", "class", "mean", "cx", f(x.at(*q.Mean)), "cy", f(y), "r", "3", "fill", "#fff", "stroke", "#000")
	}
	s.close("g")
}

// describeQ states a side's numbers in words.
func describeQ(q report.Quantiles) string {
	parts := []string{fmt.Sprintf("n=%d", q.N)}
	for _, p := range []struct {
		name string
		v    *float64
	}{{"min", q.Min}, {"q1", q.Q1}, {"median", q.Median}, {"q3", q.Q3}, {"max", q.Max}, {"mean", q.Mean}} {
		if p.v != nil {
			parts = append(parts, p.name+" "+Num(*p.v))
		}
	}
	return strings.Join(parts, ", ")
}
