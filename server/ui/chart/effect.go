package chart

import (
	"fmt"
	"html/template"
	"math"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
)

// Effect chart geometry.
const (
	effW, effH           = 480.0, 84.0
	effLeft, effRight    = 20.0, 460.0
	effY                 = 34.0
	effBandTop, effBandB = 14.0, 54.0
	effAxisY             = 60.0
)

// MeasureText names a measure for people (report.MeasureText).
func MeasureText(measure string) string { return report.MeasureText(measure) }

// classColor colours an interval by its metric's classification.
func classColor(c judge.Classification) string {
	switch c {
	case judge.ClassPass:
		return "#2a9d8f"
	case judge.ClassHigh, judge.ClassLow:
		return "#d62828"
	}
	return "#6c757d"
}

// Effect draws one window's effect with its interval against the
// allowance band (shaded: an interval wholly outside it fails the metric),
// and the no-change value as a dashed line. An unbounded end runs to the
// edge with an arrow.
func Effect(id, metric, measure string, p report.Point, band report.Band) template.HTML {
	var ext extent
	ext.add(band.Lower, band.Upper, ptr(band.Neutral), p.Value, p.Lower, p.Upper)
	lo, hi := span(ext.lo, ext.hi)
	x := linear{d0: lo, d1: hi, r0: effLeft, r1: effRight}
	title := fmt.Sprintf("%s: effect in window %d", metric, p.Seq)
	desc := fmt.Sprintf("%s %s, %s; %s; %s", MeasureText(measure), numOr(p.Value, "unknown"), intervalText(p),
		bandText(band), classText(p.Classification))
	var s svg
	s.start(id, "effect", effW, effH, title, desc, "data-metric", metric, "data-window", fmt.Sprint(p.Seq))
	s.band(x, band, effBandTop, effBandB)
	n := x.at(band.Neutral)
	s.el("line", "class", "neutral", "x1", f(n), "y1", f(effBandTop-4), "x2", f(n), "y2", f(effBandB+4),
		"stroke", "#555", "stroke-dasharray", "3 3")
	s.interval(x, effY, p, true, "")
	s.xAxis(x, effAxisY, "") // the measure is in the title, the description and the caption
	return s.end()
}

// band shades the allowance between top and bottom on a horizontal scale.
func (s *svg) band(x linear, b report.Band, top, bottom float64) {
	l, r := x.d0, x.d1
	if b.Lower != nil {
		l = x.clamp(*b.Lower)
	}
	if b.Upper != nil {
		r = x.clamp(*b.Upper)
	}
	s.el("rect", "class", "allowance", "x", f(x.at(l)), "y", f(top), "width", f(x.at(r)-x.at(l)), "height", f(bottom-top),
		"fill", "#d8f3dc")
}

// interval draws p horizontally at height y, or vertically at x = y when
// the scale maps values onto a vertical range (Series, whose value dots
// are outlined in the series' colour).
func (s *svg) interval(x linear, y float64, p report.Point, horizontal bool, outline string) {
	color := classColor(p.Classification)
	lo, hi := x.d0, x.d1
	if p.Lower != nil {
		lo = x.clamp(*p.Lower)
	}
	if p.Upper != nil {
		hi = x.clamp(*p.Upper)
	}
	a, b := x.at(lo), x.at(hi)
	line := func(class string, a, b float64, extra ...string) {
		if horizontal {
			s.el("line", append([]string{"class", class, "x1", f(a), "y1", f(y), "x2", f(b), "y2", f(y), "stroke", color}, extra...)...)
		} else {
			s.el("line", append([]string{"class", class, "x1", f(y), "y1", f(a), "x2", f(y), "y2", f(b), "stroke", color}, extra...)...)
		}
	}
	line("interval", a, b, "stroke-width", "3")
	for _, end := range []struct {
		bound *float64
		at    float64
		dir   float64
	}{{p.Lower, a, -1}, {p.Upper, b, 1}} {
		if end.bound != nil && *end.bound == x.clamp(*end.bound) {
			if horizontal {
				s.el("line", "class", "cap", "x1", f(end.at), "y1", f(y-6), "x2", f(end.at), "y2", f(y+6), "stroke", color, "stroke-width", "2")
			} else {
				s.el("line", "class", "cap", "x1", f(y-5), "y1", f(end.at), "x2", f(y+5), "y2", f(end.at), "stroke", color, "stroke-width", "2")
			}
			continue
		}
		s.arrow(end.at, y, end.dir*math.Copysign(1, x.r1-x.r0), horizontal, color)
	}
	if p.Value != nil {
		v := x.at(x.clamp(*p.Value))
		if horizontal {
			s.el("circle", "class", "value", "cx", f(v), "cy", f(y), "r", "4.5", "fill", color)
		} else {
			s.el("circle", "class", "value", "cx", f(y), "cy", f(v), "r", "4", "fill", color, "stroke", outline, "stroke-width", "2")
		}
	}
}

// arrow marks an interval end that runs past the chart (unbounded or
// clipped): a triangle at pos pointing in dir along the value axis.
func (s *svg) arrow(pos, y, dir float64, horizontal bool, color string) {
	var pts string
	if horizontal {
		pts = f(pos+dir*7) + "," + f(y) + " " + f(pos) + "," + f(y-5) + " " + f(pos) + "," + f(y+5)
	} else {
		pts = f(y) + "," + f(pos+dir*7) + " " + f(y-4) + "," + f(pos) + " " + f(y+4) + "," + f(pos)
	}
	s.el("polygon", "class", "unbounded", "points", pts, "fill", color)
}

func numOr(p *float64, none string) string {
	if p == nil {
		return none
	}
	return Num(*p)
}

func intervalText(p report.Point) string {
	return fmt.Sprintf("%s %% interval %s to %s", Num(math.Round(p.Level*1000)/10), numOr(p.Lower, "unbounded"),
		numOr(p.Upper, "unbounded"))
}

func bandText(b report.Band) string {
	switch {
	case b.Lower != nil && b.Upper != nil:
		return fmt.Sprintf("allowed from %s to %s", Num(*b.Lower), Num(*b.Upper))
	case b.Upper != nil:
		return "allowed up to " + Num(*b.Upper)
	case b.Lower != nil:
		return "allowed down to " + Num(*b.Lower)
	}
	return "no allowance"
}

func classText(c judge.Classification) string {
	switch c {
	case judge.ClassPass:
		return "passes"
	case judge.ClassHigh:
		return "fails: higher than allowed"
	case judge.ClassLow:
		return "fails: lower than allowed"
	case "":
		return "not classified"
	}
	return string(c)
}
