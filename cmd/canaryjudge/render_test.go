package main

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/gameday"
	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/sim"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

const docsDir = "../../docs"

func readDoc(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(docsDir, name))
	if err != nil {
		t.Fatalf("%v (run `%s`)", err, renderAllCommand)
	}
	return string(b)
}

// TestDocsUpToDate: docs/ is exactly what `render all` generates now.
func TestDocsUpToDate(t *testing.T) {
	dir := t.TempDir()
	if _, errOut, err := runCmd(t, "", "render", "all", "--out", dir); err != nil {
		t.Fatalf("render all: %v: %s", err, errOut)
	}
	fresh, _ := os.ReadDir(dir)
	committed, _ := os.ReadDir(docsDir)
	var names []string
	for _, f := range committed {
		names = append(names, f.Name())
	}
	for _, f := range fresh {
		want, _ := os.ReadFile(filepath.Join(dir, f.Name()))
		if got := readDoc(t, f.Name()); got != string(want) {
			t.Errorf("docs/%s is stale: regenerate it with `%s` and commit it", f.Name(), renderAllCommand)
		}
		names = slices.DeleteFunc(names, func(n string) bool { return n == f.Name() })
	}
	if len(names) > 0 {
		t.Errorf("docs/ has files render all does not write: %v", names)
	}
}

var edgeRE = regexp.MustCompile(`(?m)^\s*(\S+) --> (\S+): (\S+)`)

// TestDocsStatesAreTheEnforcedMachine checks docs/states.md's Mermaid
// edges against judge.Next, the function the service enforces: every
// allowed event is drawn to the state Next gives, and every drawn event
// edge is allowed.
func TestDocsStatesAreTheEnforcedMachine(t *testing.T) {
	edges := map[string]bool{}
	for _, m := range edgeRE.FindAllStringSubmatch(readDoc(t, "states.md"), -1) {
		from, to, label := m[1], m[2], m[3]
		edges[from+" "+label+" "+to] = true
		if from == "[*]" || label == "analysis:" || to == "[*]" {
			continue
		}
		tr0, err0 := judge.Next(judge.State(from), judge.Event(label), false)
		tr1, err1 := judge.Next(judge.State(from), judge.Event(label), true)
		if (err0 != nil || string(tr0.To) != to) && (err1 != nil || string(tr1.To) != to) {
			t.Errorf("drawn %s --%s--> %s is not what judge.Next allows", from, label, to)
		}
	}
	for _, from := range judge.States {
		for _, ev := range judge.Events {
			for _, attempted := range []bool{false, true} {
				tr, err := judge.Next(from, ev, attempted)
				if err == nil && ev != judge.EventAnalysis && !edges[string(from)+" "+string(ev)+" "+string(tr.To)] {
					t.Errorf("judge.Next allows %s --%s--> %s; states.md does not draw it", from, ev, tr.To)
				}
			}
		}
	}
	for _, a := range []judge.Action{judge.ActionWait, judge.ActionPromote, judge.ActionRollback, judge.ActionEscalate} {
		if !edges["baking analysis: "+string(judge.StateFor(a))] {
			t.Errorf("states.md does not draw the analysis decision %s", a)
		}
	}
}

var overrideRowRE = regexp.MustCompile("(?m)^\\| (\\w+) \\| `([a-z_:]+)` \\| [^|]+ \\| (\\w+)[^|]* \\| (yes|no) \\|$")

// TestDocsOverridesAreTheEnforcedMachine: the override design's table is
// judge.Next's answers, paging flags included, and nothing else.
func TestDocsOverridesAreTheEnforcedMachine(t *testing.T) {
	rows := map[string]bool{}
	for _, m := range overrideRowRE.FindAllStringSubmatch(readDoc(t, "overrides.md"), -1) {
		rows[strings.Join(m[1:], " ")] = true
	}
	want := map[string]bool{}
	for _, from := range judge.States {
		for _, ev := range judge.Events {
			for _, attempted := range []bool{false, true} {
				if tr, err := judge.Next(from, ev, attempted); err == nil && ev != judge.EventAnalysis {
					want[strings.Join([]string{string(from), string(ev), string(tr.To), map[bool]string{true: "yes", false: "no"}[tr.Page]}, " ")] = true
				}
			}
		}
	}
	if !maps_equal(rows, want) {
		t.Errorf("overrides.md rows %v\nwant (judge.Next) %v", rows, want)
	}
}

// TestDocsGamedayPlanHasEveryScenario: every scenario the game day plays
// is in the plan with its expected outcome and notifications.
func TestDocsGamedayPlanHasEveryScenario(t *testing.T) {
	p, err := policyfile.Parse(canaryjudge.ExamplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	scs, err := gameday.Scenarios(p, sim.DefaultNoise())
	if err != nil {
		t.Fatal(err)
	}
	doc := readDoc(t, "gameday.md")
	for _, sc := range scs {
		row := "| [`" + sc.Name + "`](#" + sc.Name + ") | " + strings.ReplaceAll(sc.Fault, "|", `\|`) + " | " +
			strings.ReplaceAll(sc.Expect.String(), "|", `\|`) + " | " + sc.Notes.String() + " |"
		if !strings.Contains(doc, row) || !strings.Contains(doc, "\n### "+sc.Name+"\n") {
			t.Errorf("gameday.md lacks scenario %s (row %q)", sc.Name, row)
		}
	}
	if n := strings.Count(doc, "\n### "); n != len(scs) {
		t.Errorf("gameday.md has %d scenario sections, the game day plays %d", n, len(scs))
	}
}

// TestDocsMigrationsAndTriggersAreComplete: every classifier rule and
// every metric of the example policy is in its document.
func TestDocsMigrationsAndTriggersAreComplete(t *testing.T) {
	doc := readDoc(t, "migrations.md")
	for _, r := range sqlcheck.Rules {
		if !strings.Contains(doc, "| `"+r.ID+"` |") {
			t.Errorf("migrations.md lacks rule %s", r.ID)
		}
	}
	p, err := policyfile.Parse(canaryjudge.ExamplePolicy)
	if err != nil {
		t.Fatal(err)
	}
	doc = readDoc(t, "triggers.md")
	for _, m := range p.Metrics {
		if !strings.Contains(doc, m.Name) || !strings.Contains(doc, string(m.Direction)) {
			t.Errorf("triggers.md lacks metric %s (%s)", m.Name, m.Direction)
		}
	}
}

func maps_equal(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}
