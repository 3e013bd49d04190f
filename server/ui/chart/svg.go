// Package chart draws the release report's charts as inline SVG, in pure
// Go, with deterministic output (the same input gives the same bytes):
// distributions as box plots, an effect interval against its allowance,
// intervals over windows, and scores over windows.
//
// Every chart carries a <title> and a <desc> that state its numbers in
// words (role="img", aria-labelledby), so a screen reader or a test reads
// what the picture shows. Every text and attribute value is escaped; the
// element and attribute names are constants of this package, so a metric
// called "<script>" draws as text.
package chart

import (
	"bytes"
	"html"
	"html/template"
	"math"
	"strconv"

	"github.com/canaryjudge/canaryjudge/report"
)

// svg builds one SVG document. Attribute values and texts are escaped
// when written.
type svg struct {
	b bytes.Buffer
}

// open starts an element; attrs are name, value pairs.
func (s *svg) open(tag string, attrs ...string) {
	s.b.WriteByte('<')
	s.b.WriteString(tag)
	for i := 0; i+1 < len(attrs); i += 2 {
		s.b.WriteByte(' ')
		s.b.WriteString(attrs[i])
		s.b.WriteString(`="`)
		s.b.WriteString(html.EscapeString(attrs[i+1]))
		s.b.WriteByte('"')
	}
	s.b.WriteByte('>')
}

func (s *svg) close(tag string) { s.b.WriteString("</" + tag + ">\n") }

// el writes an empty element.
func (s *svg) el(tag string, attrs ...string) {
	s.open(tag, attrs...)
	s.b.Truncate(s.b.Len() - 1)
	s.b.WriteString("/>\n")
}

// text writes an element holding escaped text.
func (s *svg) text(tag, text string, attrs ...string) {
	s.open(tag, attrs...)
	s.b.WriteString(html.EscapeString(text))
	s.close(tag)
}

// start opens the root with its accessible title and description.
func (s *svg) start(id, class string, w, h float64, title, desc string, extra ...string) {
	attrs := append([]string{"xmlns", "http://www.w3.org/2000/svg", "class", "chart " + class, "id", id,
		"viewBox", "0 0 " + f(w) + " " + f(h), "width", f(w), "height", f(h),
		"role", "img", "aria-labelledby", id + "-title " + id + "-desc"}, extra...)
	s.open("svg", attrs...)
	s.b.WriteByte('\n')
	s.text("title", title, "id", id+"-title")
	s.text("desc", desc, "id", id+"-desc")
}

func (s *svg) end() template.HTML {
	s.close("svg")
	return template.HTML(s.b.String()) //nolint:gosec // every value was escaped when written
}

// f formats a coordinate: at most two decimals, no trailing zeros.
func f(x float64) string {
	x = math.Round(x*100) / 100
	if x == 0 {
		x = 0 // no "-0"
	}
	return strconv.FormatFloat(x, 'f', -1, 64)
}

// Num formats a number for people (report.Num): four significant
// digits, thousands separated, never an exponent like "2.853e+04".
func Num(x float64) string { return report.Num(x) }

// linear maps the domain [d0, d1] onto the range [r0, r1].
type linear struct{ d0, d1, r0, r1 float64 }

func (l linear) at(x float64) float64 {
	if l.d1 == l.d0 {
		return (l.r0 + l.r1) / 2
	}
	return l.r0 + (x-l.d0)/(l.d1-l.d0)*(l.r1-l.r0)
}

// clamp keeps x within the domain.
func (l linear) clamp(x float64) float64 { return max(min(x, max(l.d0, l.d1)), min(l.d0, l.d1)) }

// ticks are "nice" values (1, 2 or 5 times a power of ten) covering
// [lo, hi], about n of them.
func ticks(lo, hi float64, n int) []float64 {
	if !(hi > lo) || n < 1 {
		return []float64{lo}
	}
	raw := (hi - lo) / float64(n)
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step := p
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			step = m * p
			break
		}
	}
	var out []float64
	for v := math.Ceil(lo/step) * step; v <= hi+step*1e-9; v += step {
		out = append(out, math.Round(v/step)*step)
	}
	return out
}

// span widens [lo, hi] by a margin on each side (and makes a point a range).
func span(lo, hi float64) (float64, float64) {
	if hi < lo {
		lo, hi = hi, lo
	}
	pad := (hi - lo) * 0.08
	if pad == 0 {
		pad = math.Max(math.Abs(lo)*0.1, 0.5)
	}
	return lo - pad, hi + pad
}

// extent is the smallest and largest finite of xs (nil ones skipped).
type extent struct {
	lo, hi float64
	ok     bool
}

func (e *extent) add(xs ...*float64) {
	for _, p := range xs {
		if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
			continue
		}
		if !e.ok {
			e.lo, e.hi, e.ok = *p, *p, true
			continue
		}
		e.lo, e.hi = min(e.lo, *p), max(e.hi, *p)
	}
}

// xAxis draws a horizontal axis at y with ticks of scale x.
func (s *svg) xAxis(x linear, y float64, label string) {
	s.el("line", "class", "axis", "x1", f(x.r0), "y1", f(y), "x2", f(x.r1), "y2", f(y), "stroke", "#555")
	for _, t := range ticks(x.d0, x.d1, 5) {
		px := x.at(t)
		s.el("line", "class", "tick", "x1", f(px), "y1", f(y), "x2", f(px), "y2", f(y+4), "stroke", "#555")
		s.text("text", Num(t), "x", f(px), "y", f(y+15), "text-anchor", "middle", "font-size", "10")
	}
	if label != "" {
		s.text("text", label, "class", "axis-label", "x", f(x.r1), "y", f(y+28), "text-anchor", "end", "font-size", "10")
	}
}

func ptr(x float64) *float64 { return &x }
