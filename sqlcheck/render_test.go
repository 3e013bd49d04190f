package sqlcheck

import (
	"bytes"
	"flag"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

var update = flag.Bool("update", false, "rewrite testdata/policy.md")

// warningRules is the hand-written list of hazards the policy must show;
// together with the classes of classCases it is the oracle for the
// rendered document, independent of the rule table that renders it.
var warningRules = []string{"lock-index-build", "lock-drop-index", "lock-validation", "table-rewrite",
	"lock-reindex", "lock-table", "lock-detach-partition", "missing-lock-timeout", "missing-statement-timeout",
	"concurrently-in-transaction", "nested-transaction", "unfinished-transaction", "allow-without-reason", "allow-unused"}

func TestRenderPolicy(t *testing.T) {
	var buf bytes.Buffer
	if err := RenderPolicy(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.String()

	want := map[string]judge.Compat{}
	for _, c := range classCases {
		want[c.rule] = c.class
	}
	for id, cl := range poolOnly {
		want[id] = cl
	}
	ruleRow := regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| (expand|contract|incompatible|unknown) \\|")
	got := map[string]judge.Compat{}
	for _, m := range ruleRow.FindAllStringSubmatch(doc, -1) {
		got[m[1]] = judge.Compat(m[2])
	}
	for id, cl := range want {
		if got[id] != cl {
			t.Errorf("policy shows rule %s as %q, want %s", id, got[id], cl)
		}
	}
	for id := range got {
		if _, ok := want[id]; !ok {
			t.Errorf("policy shows rule %s, which no test case expects", id)
		}
	}
	warnSection := doc[strings.Index(doc, "## Warnings"):strings.Index(doc, "## Compared")]
	for _, id := range warningRules {
		if !strings.Contains(warnSection, "| `"+id+"` |") {
			t.Errorf("warning %s missing from the Warnings section", id)
		}
	}
	if n := strings.Count(warnSection, "\n| `"); n != len(warningRules) {
		t.Errorf("Warnings section has %d rows, want %d", n, len(warningRules))
	}
	for _, s := range []string{"squawk", "strong_migrations", "Atlas", "BC101", "BC102", "DS102", "DS103", "MF103", "MF104", "Left out"} {
		if !strings.Contains(doc, s) {
			t.Errorf("comparison lacks %q", s)
		}
	}

	const golden = "testdata/policy.md"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test ./sqlcheck -run TestRenderPolicy -update once)", err)
	}
	if string(b) != doc {
		t.Errorf("%s is stale: run go test ./sqlcheck -run TestRenderPolicy -update and review the diff", golden)
	}
}
