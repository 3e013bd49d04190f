package chart

import (
	"fmt"
	"html/template"
	"strings"

	"github.com/canaryjudge/canaryjudge/report"
)

// Series chart geometry: windows along x, the measure up y.
const (
	serW, serH        = 480.0, 210.0
	serLeft, serRight = 50.0, 460.0
	serTop, serBottom = 28.0, 170.0
	serSpread         = 0.24 // how far apart (in windows) the series of one window sit
)

// palette colours series by position (legend and value-dot outline); the
// classification colours each interval itself.
var palette = []string{"#264653", "#e76f51", "#6a4c93", "#2a9d8f", "#8d6e63"}

// Series draws every series of a metric over the release's windows: each
// point an interval (vertical) with its value, the allowance as a shaded
// horizontal band and the no-change value dashed. Series sit side by side
// at each window in the order given, so a new kind of interval is one more
// Series.
func Series(id, metric, measure string, ss []report.Series, band report.Band) template.HTML {
	var ext extent
	ext.add(band.Lower, band.Upper, ptr(band.Neutral))
	last := 1
	for _, sr := range ss {
		for _, p := range sr.Points {
			ext.add(p.Value, p.Lower, p.Upper)
			last = max(last, p.Seq)
		}
	}
	lo, hi := span(ext.lo, ext.hi)
	y := linear{d0: lo, d1: hi, r0: serBottom, r1: serTop}
	x := linear{d0: 0.5, d1: float64(last) + 0.5, r0: serLeft, r1: serRight}
	title := fmt.Sprintf("%s: effect intervals over %d window(s)", metric, last)
	var desc []string
	for _, sr := range ss {
		desc = append(desc, describeSeries(sr))
	}
	var s svg
	s.start(id, "series", serW, serH, title, strings.Join(desc, "; ")+"; "+bandText(band), "data-metric", metric)
	s.hband(y, band)
	n := y.at(band.Neutral)
	s.el("line", "class", "neutral", "x1", f(serLeft), "y1", f(n), "x2", f(serRight), "y2", f(n), "stroke", "#555", "stroke-dasharray", "3 3")
	for i, sr := range ss {
		off := (float64(i) - float64(len(ss)-1)/2) * serSpread
		color := palette[i%len(palette)]
		s.open("g", "class", "series series-"+sr.Name, "data-series", sr.Name)
		for _, p := range sr.Points {
			s.interval(y, x.at(float64(p.Seq)+off), p, false, color)
		}
		s.close("g")
		lx := serLeft + float64(i)*150
		s.el("rect", "class", "legend", "x", f(lx), "y", "6", "width", "10", "height", "10", "fill", color)
		s.text("text", sr.Label, "x", f(lx+14), "y", "15", "font-size", "10")
	}
	s.yAxis(y, serLeft)
	s.windowAxis(x, serBottom, last)
	s.text("text", MeasureText(measure), "class", "axis-label", "x", f(serLeft), "y", f(serH-4), "font-size", "10")
	return s.end()
}

// hband shades the allowance across the plot on a vertical scale.
func (s *svg) hband(y linear, b report.Band) {
	lo, hi := y.d0, y.d1
	if b.Lower != nil {
		lo = y.clamp(*b.Lower)
	}
	if b.Upper != nil {
		hi = y.clamp(*b.Upper)
	}
	s.el("rect", "class", "allowance", "x", f(serLeft), "y", f(y.at(hi)), "width", f(serRight-serLeft),
		"height", f(y.at(lo)-y.at(hi)), "fill", "#d8f3dc")
}

// yAxis draws a vertical value axis at x.
func (s *svg) yAxis(y linear, x float64) {
	s.el("line", "class", "axis", "x1", f(x), "y1", f(y.r0), "x2", f(x), "y2", f(y.r1), "stroke", "#555")
	for _, t := range ticks(y.d0, y.d1, 4) {
		py := y.at(t)
		s.el("line", "class", "tick", "x1", f(x-4), "y1", f(py), "x2", f(x), "y2", f(py), "stroke", "#555")
		s.text("text", Num(t), "x", f(x-6), "y", f(py+3), "text-anchor", "end", "font-size", "10")
	}
}

// windowAxis labels windows 1..last along the bottom, thinned to about 12.
func (s *svg) windowAxis(x linear, y float64, last int) {
	s.el("line", "class", "axis", "x1", f(x.r0), "y1", f(y), "x2", f(x.r1), "y2", f(y), "stroke", "#555")
	step := max(1, (last+11)/12)
	for w := 1; w <= last; w += step {
		px := x.at(float64(w))
		s.el("line", "class", "tick", "x1", f(px), "y1", f(y), "x2", f(px), "y2", f(y+4), "stroke", "#555")
		s.text("text", fmt.Sprint(w), "x", f(px), "y", f(y+15), "text-anchor", "middle", "font-size", "10")
	}
}

func describeSeries(sr report.Series) string {
	if len(sr.Points) == 0 {
		return sr.Label + ": none yet"
	}
	pts := sr.Points
	prefix := ""
	if len(pts) > 12 {
		prefix = fmt.Sprintf("(last 12 of %d) ", len(pts))
		pts = pts[len(pts)-12:]
	}
	parts := make([]string, 0, len(pts))
	for _, p := range pts {
		parts = append(parts, fmt.Sprintf("window %d %s [%s, %s] %s", p.Seq, numOr(p.Value, "?"), numOr(p.Lower, "-inf"),
			numOr(p.Upper, "+inf"), p.Classification))
	}
	return sr.Label + ": " + prefix + strings.Join(parts, ", ")
}
