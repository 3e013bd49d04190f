package chart

import (
	"strings"
	"testing"
)

// Each test below reads a golden file and checks coordinates worked out by
// hand from the chart's geometry, independently of the drawing code.

// Box: data from 0 to 100, widened by 8 % of the range on each side, is the
// domain [-8, 108] drawn on x 80..460: px = 80 + (v+8) * 380/116 (3.27586
// px per unit). Baseline sits at y 40, canary at y 80, boxes 22 high.
func TestBoxByHand(t *testing.T) {
	svg := golden(t, "box")
	base := one(t, svg, "side", "baseline")
	wantAttrs(t, one(t, base, "whisker"), "x1", "106.21", "x2", "270", "y1", "40", "y2", "40")    // 0 -> 80+8*3.27586; 50 -> 80+58*3.27586
	wantAttrs(t, one(t, base, "box"), "x", "138.97", "width", "65.52", "y", "29", "height", "22") // 10 -> 80+18*3.27586; 20 units wide
	wantAttrs(t, one(t, base, "median"), "x1", "171.72", "x2", "171.72")                          // 20 -> 80+28*3.27586
	wantAttrs(t, one(t, base, "mean"), "cx", "178.28", "cy", "40")                                // 22 -> 80+30*3.27586
	can := one(t, svg, "side", "canary")
	wantAttrs(t, one(t, can, "whisker"), "x1", "138.97", "x2", "433.79", "y1", "80") // 100 -> 80+108*3.27586
	wantAttrs(t, one(t, can, "box"), "x", "204.48", "width", "98.28")                // 30 -> 80+38*3.27586; 30 units wide
	wantAttrs(t, one(t, can, "median"), "x1", "237.24")                              // 40 -> 80+48*3.27586
	// Ticks at 0, 50 and 100 (steps of 50 for a range of 116 in about five).
	var xs []string
	for _, tk := range svg.find("tick") {
		xs = append(xs, tk.attr("x1"))
	}
	if strings.Join(xs, " ") != "106.21 270 433.79" {
		t.Errorf("ticks at %v, want 106.21 270 433.79", xs)
	}
	title, desc := titleDesc(svg)
	if title != "latency_p99: canary vs baseline values in window 3" {
		t.Errorf("title %q", title)
	}
	if desc != "baseline n=60, min 0, q1 10, median 20, q3 30, max 50, mean 22; canary n=58, min 10, q1 30, median 40, q3 60, max 100, mean 45" {
		t.Errorf("desc %q", desc)
	}
}

// Effect: the values 1 (no change), 1.2 (allowed), 1.25..1.35 (interval)
// span 1..1.35, widened by 0.028 each side: [0.972, 1.378] on x 20..460,
// px = 20 + (v-0.972) * 440/0.406. The allowance has no lower limit
// (direction increase), so its band starts at the left edge.
func TestEffectByHand(t *testing.T) {
	svg := golden(t, "effect")
	wantAttrs(t, one(t, svg, "allowance"), "x", "20", "width", "247.09", "y", "14", "height", "40") // 1.2 -> 267.09
	wantAttrs(t, one(t, svg, "neutral"), "x1", "50.34")                                             // 1 -> 20+0.028*1083.74
	wantAttrs(t, one(t, svg, "interval"), "x1", "321.28", "x2", "429.66", "y1", "34", "stroke", "#d62828")
	wantAttrs(t, one(t, svg, "value"), "cx", "375.47", "cy", "34")
	if n := len(svg.find("cap")); n != 2 {
		t.Errorf("%d caps, want 2 (both bounds finite)", n)
	}
	if n := len(svg.find("unbounded")); n != 0 {
		t.Errorf("%d arrows, want none", n)
	}
	_, desc := titleDesc(svg)
	want := "mean ratio canary/baseline 1.3, 90 % interval 1.25 to 1.35; allowed up to 1.2; fails: higher than allowed"
	if desc != want {
		t.Errorf("desc %q, want %q", desc, want)
	}
}

// An interval without an upper bound runs to the right edge (460) and ends
// in an arrow pointing right: 7 px long, 10 px wide at y 34. Values
// 1..3 widen to [0.84, 3.16]: px = 20 + (v-0.84) * 440/2.32.
func TestUnboundedEffectByHand(t *testing.T) {
	svg := golden(t, "effect_unbounded")
	wantAttrs(t, one(t, svg, "interval"), "x1", "145.17", "x2", "460", "stroke", "#2a9d8f") // 1.5 -> 20+0.66*189.66
	wantAttrs(t, one(t, svg, "unbounded"), "points", "467,34 460,29 460,39")
	wantAttrs(t, one(t, svg, "allowance"), "x", "20", "width", "409.66") // 3 -> 20+2.16*189.66
	wantAttrs(t, one(t, svg, "value"), "cx", "240")                      // 2 -> 20+1.16*189.66
	if n := len(svg.find("cap")); n != 1 {
		t.Errorf("%d caps, want 1 (the lower bound)", n)
	}
	if _, desc := titleDesc(svg); !strings.Contains(desc, "90 % interval 1.5 to unbounded") {
		t.Errorf("desc %q does not state the unbounded interval", desc)
	}
}

// Series: windows 1..2 on [0.5, 2.5] across x 50..460 (205 px per window),
// two series 0.24 windows apart (-0.12 and +0.12); values 0.9..1.5 widen
// by 0.048 to [0.852, 1.548] on y 170..28: py = 170 - (v-0.852) * 142/0.696.
func TestSeriesByHand(t *testing.T) {
	svg := golden(t, "series")
	wantAttrs(t, one(t, svg, "allowance"), "x", "50", "width", "410", "y", "99", "height", "71") // 1.2 is mid-domain: 170-71
	wantAttrs(t, one(t, svg, "neutral"), "y1", "139.8")                                          // 1 -> 170-0.148*204.02
	win := one(t, svg, "series-window")
	ivs := win.find("interval")
	if len(ivs) != 2 {
		t.Fatalf("%d window intervals, want 2", len(ivs))
	}
	wantAttrs(t, ivs[0], "x1", "127.9", "y1", "160.21", "y2", "119.4", "stroke", "#2a9d8f") // window 1 at 0.88; 0.9 and 1.1
	wantAttrs(t, ivs[1], "x1", "332.9", "y1", "119.4", "y2", "37.79", "stroke", "#d62828")  // window 2 at 1.88; 1.1 and 1.5
	pooled := one(t, svg, "series-pooled")
	wantAttrs(t, one(t, pooled, "interval"), "x1", "382.1", "y1", "129.6", "y2", "68.4") // window 2 at 2.12; 1.05 and 1.35
	wantAttrs(t, one(t, pooled, "value"), "cx", "382.1", "cy", "99")
	if _, desc := titleDesc(svg); !strings.Contains(desc, "pooled: window 2 1.2 [1.05, 1.35] pass") {
		t.Errorf("desc %q does not list the pooled interval", desc)
	}
}

// Scores: windows 1..5 on [0.5, 5.5] across x 40..460 (84 px each),
// scores 0..100 on y 150..14 (1.36 px per point). Windows 1-2 are one
// line (release a), 3-5 another (b): each joined on its own.
func TestScoresByHand(t *testing.T) {
	svg := golden(t, "scores")
	wantAttrs(t, one(t, svg, "threshold", "pass"), "y1", "41.2")     // 150-80*1.36
	wantAttrs(t, one(t, svg, "threshold", "marginal"), "y1", "68.4") // 150-60*1.36
	pts := svg.find("score")
	if len(pts) != 5 {
		t.Fatalf("%d score marks, want 5", len(pts))
	}
	want := [][2]string{{"82", "14"}, {"166", "54.8"}, {"250", "150"}, {"334", "150"}, {"418", "27.6"}}
	for i, w := range want {
		wantAttrs(t, pts[i], "cx", w[0], "cy", w[1])
	}
	if !pts[2].hasClass("nodata") || !pts[3].hasClass("verdict-fail") {
		t.Errorf("classes %q and %q, want nodata and verdict-fail", pts[2].attr("class"), pts[3].attr("class"))
	}
	trends := svg.find("trend")
	if len(trends) != 2 {
		t.Fatalf("%d trend lines, want 2 (one per release, never joined across)", len(trends))
	}
	wantAttrs(t, trends[0], "points", "82,14 166,54.8")
	wantAttrs(t, trends[1], "points", "334,150 418,27.6") // the nodata window has no score to join
	labels := svg.find("tick-label")
	if len(labels) != 5 {
		t.Fatalf("%d x tick labels, want 5", len(labels))
	}
	wantAttrs(t, labels[4], "x", "418", "y", "164")
	if labels[4].Text != "5" {
		t.Errorf("tick label %q, want 5", labels[4].Text)
	}
	ax := svg.find("axis-label")
	if len(ax) != 2 || ax[0].Text != "score (0-100)" || ax[1].Text != "window" {
		t.Fatalf("axis labels %v, want the score (y) and window (x) labels", ax)
	}
	wantAttrs(t, ax[0], "transform", "rotate(-90 10 82)") // mid-height of 14..150
	wantAttrs(t, ax[1], "x", "460", "y", "177")
}

// TestEscaping: a metric name that is markup draws as text.
func TestEscaping(t *testing.T) {
	evil := `<script>alert(1)</script>"'&`
	out := string(Effect("c9", evil, "mean_ratio", reportPoint(), reportBand()))
	if strings.Contains(out, "<script>") || strings.Contains(out, `"'&`) {
		t.Fatalf("unescaped markup in:\n%s", out)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;&#34;&#39;&amp;: effect in window 3") {
		t.Fatalf("the escaped name is not in the title:\n%s", out)
	}
}
