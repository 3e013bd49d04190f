package chart

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/report"
)

var update = flag.Bool("update", false, "rewrite the golden SVG files (then check them by eye: the hand-computed tests read the files, not the code)")

func p(x float64) *float64 { return &x }

// The charts under test. Their numbers are chosen so that the expected
// coordinates in the tests below can be worked out by hand from the
// geometry constants (each test shows its arithmetic).
func boxChart() string {
	d := report.Distribution{Of: "value", Source: "points",
		Baseline: report.Quantiles{N: 60, Min: p(0), Q1: p(10), Median: p(20), Q3: p(30), Max: p(50), Mean: p(22)},
		Canary:   report.Quantiles{N: 58, Min: p(10), Q1: p(30), Median: p(40), Q3: p(60), Max: p(100), Mean: p(45)}}
	return string(Box("c1", "latency_p99", 3, d))
}

func effectChart() string {
	pt := report.Point{Seq: 3, Value: p(1.3), Lower: p(1.25), Upper: p(1.35), Level: 0.9, Classification: judge.ClassHigh}
	return string(Effect("c2", "latency_p99", judge.MeasureMeanRatio, pt, report.Band{Upper: p(1.2), Neutral: 1}))
}

func unboundedChart() string {
	pt := report.Point{Seq: 1, Value: p(2), Lower: p(1.5), Level: 0.9, Classification: judge.ClassPass}
	return string(Effect("c3", "errors", judge.MeasureRateRatio, pt, report.Band{Upper: p(3), Neutral: 1}))
}

func seriesChart() string {
	ss := []report.Series{
		{Name: report.SeriesWindow, Label: "this window's interval", Points: []report.Point{
			{Seq: 1, Value: p(1.0), Lower: p(0.9), Upper: p(1.1), Level: 0.9, Classification: judge.ClassPass},
			{Seq: 2, Value: p(1.3), Lower: p(1.1), Upper: p(1.5), Level: 0.9, Classification: judge.ClassHigh}}},
		{Name: report.SeriesPooled, Label: "pooled", Points: []report.Point{
			{Seq: 2, Value: p(1.2), Lower: p(1.05), Upper: p(1.35), Level: 0.99, Classification: judge.ClassPass}}},
	}
	return string(Series("c4", "latency_p99", judge.MeasureMeanRatio, ss, report.Band{Upper: p(1.2), Neutral: 1}))
}

func scoresChart() string {
	pts := []ScorePoint{{Label: "1", Tick: "1", Line: "a", Score: p(100), Verdict: judge.VerdictPass},
		{Label: "2", Tick: "2", Line: "a", Score: p(70), Verdict: judge.VerdictMarginal},
		{Label: "3", Tick: "3", Line: "b", Verdict: judge.VerdictNoData},
		{Label: "4", Tick: "4", Line: "b", Score: p(0), Verdict: judge.VerdictFail, Href: "/ui/releases/rel_1?window=4"},
		{Label: "5", Tick: "5", Line: "b", Score: p(90), Verdict: judge.VerdictPass}}
	return string(Scores("c5", "scores of checkout", pts, 80, 60, "window"))
}

var charts = map[string]func() string{"box": boxChart, "effect": effectChart, "effect_unbounded": unboundedChart,
	"series": seriesChart, "scores": scoresChart}

// TestGolden: each chart type renders byte for byte as its golden file,
// and twice the same (deterministic).
func TestGolden(t *testing.T) {
	for name, draw := range charts {
		t.Run(name, func(t *testing.T) {
			got := draw()
			if again := draw(); again != got {
				t.Fatal("two renderings of the same chart differ")
			}
			path := filepath.Join("testdata", name+".svg")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s; if the change is intended, run go test -update and check the hand-computed tests\ngot:\n%s", name, path, got)
			}
		})
	}
}

// node is a parsed SVG element.
type node struct {
	XMLName xml.Name
	Attrs   []xml.Attr `xml:",any,attr"`
	Text    string     `xml:",chardata"`
	Kids    []node     `xml:",any"`
}

func (n node) attr(name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

func (n node) hasClass(c string) bool { return strings.Contains(" "+n.attr("class")+" ", " "+c+" ") }

// find returns the elements under n (n included) with all the classes.
func (n node) find(classes ...string) []node {
	var out []node
	match := true
	for _, c := range classes {
		match = match && n.hasClass(c)
	}
	if match {
		out = append(out, n)
	}
	for _, k := range n.Kids {
		out = append(out, k.find(classes...)...)
	}
	return out
}

// golden parses a golden file: the hand-computed checks read the files
// themselves, so a regenerated file with wrong geometry fails here.
func golden(t *testing.T, name string) node {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name+".svg"))
	if err != nil {
		t.Fatal(err)
	}
	var n node
	if err := xml.Unmarshal(b, &n); err != nil {
		t.Fatalf("%s is not well-formed XML: %v", name, err)
	}
	if n.XMLName.Local != "svg" || n.attr("role") != "img" {
		t.Fatalf("%s: root %s role %q, want an svg with role img", name, n.XMLName.Local, n.attr("role"))
	}
	return n
}

func one(t *testing.T, n node, classes ...string) node {
	t.Helper()
	got := n.find(classes...)
	if len(got) != 1 {
		t.Fatalf("%d elements of class %v, want 1", len(got), classes)
	}
	return got[0]
}

func wantAttrs(t *testing.T, n node, kv ...string) {
	t.Helper()
	for i := 0; i+1 < len(kv); i += 2 {
		if got := n.attr(kv[i]); got != kv[i+1] {
			t.Errorf("<%s class=%q> %s = %q, want %q", n.XMLName.Local, n.attr("class"), kv[i], got, kv[i+1])
		}
	}
}

func titleDesc(n node) (title, desc string) {
	for _, k := range n.Kids {
		switch k.XMLName.Local {
		case "title":
			title = k.Text
		case "desc":
			desc = k.Text
		}
	}
	return title, desc
}

func reportPoint() report.Point {
	return report.Point{Seq: 3, Value: p(1.3), Lower: p(1.25), Upper: p(1.35), Level: 0.9, Classification: judge.ClassHigh}
}

func reportBand() report.Band { return report.Band{Upper: p(1.2), Neutral: 1} }
