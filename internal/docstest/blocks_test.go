package docstest

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/policyfile"
	"github.com/canaryjudge/canaryjudge/judge"
)

func parseText(t *testing.T, md string) ([]Block, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x.md"), []byte(md), 0o644); err != nil {
		t.Fatal(err)
	}
	return Parse(dir, "x.md")
}

// TestParse: shell blocks with their annotations; other languages are
// read past, not run.
func TestParse(t *testing.T) {
	bs, err := parseText(t, "# x\n\n```sh\nA=1\n```\n\n<!-- walkthrough:begin -->\n<!-- docs: memory postgres -->\n```bash\necho $A\n```\n"+
		"<!-- docs: prometheus -->\n```shell\ncurl $PROM\n```\n\n```yaml\ncurl: not shell\n```\n<!-- docs: skip: it runs the suite -->\n```sh\nscripts/test.sh\n```\n"+
		"<!-- docs: postgres -->\n\n```sh\necho far\n```\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		line       int
		text, skip string
		sessions   string
		prom       bool
	}{
		{3, "A=1\n", "", "memory", false},
		{9, "echo $A\n", "", "memory postgres", false},
		{13, "curl $PROM\n", "", "memory", true},
		{21, "scripts/test.sh\n", "it runs the suite", "memory", false},
		{26, "echo far\n", "", "memory", false}, // a blank line parts an annotation from its block
	}
	if len(bs) != len(want) {
		t.Fatalf("%d blocks: %+v", len(bs), bs)
	}
	for i, w := range want {
		b := bs[i]
		if b.Line != w.line || b.Text != w.text || b.Skip != w.skip || strings.Join(b.Sessions, " ") != w.sessions || b.Prometheus != w.prom {
			t.Errorf("block %d = %+v, want %+v", i, b, w)
		}
	}
}

// TestParseRefuses: what would hide a command from the harness or run it
// without saying why is an error.
func TestParseRefuses(t *testing.T) {
	for md, want := range map[string]string{
		"<!-- docs: skip -->\n```sh\nx\n```\n":      "skip needs a reason",
		"<!-- docs: staging -->\n```sh\nx\n```\n":   "unknown annotation",
		"```\ncurl -s localhost:8080/readyz\n```\n": "tag it sh",
		"```sh\nx\n": "never closed",
	} {
		if _, err := parseText(t, md); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want an error saying %q", md, err, want)
		}
	}
}

// TestOutcomes: a block passes only when it reaches its end printing no
// error; the ones after a failure are not reached.
func TestOutcomes(t *testing.T) {
	bs := []Block{{File: "a", Line: 1}, {File: "a", Line: 2}, {File: "a", Line: 3}}
	ok := "@@@docs-block 0\n{\"answer\":\"yes\"}\n@@@http 200\n@@@docs-done 0\n"
	for name, c := range map[string]struct {
		out  string
		errs []string
	}{
		"all pass":     {ok + "@@@docs-block 1\n@@@docs-done 1\n@@@docs-block 2\n412\n@@@docs-done 2\n", []string{"", "", ""}},
		"401 problem":  {ok + "@@@docs-block 1\n{\"type\":\"urn:canaryjudge:problem:unauthorized\"}\n@@@docs-done 1\n@@@docs-block 2\n@@@docs-done 2\n", []string{"", "printed an error", ""}},
		"http status":  {ok + "@@@docs-block 1\n@@@http 409\n@@@docs-done 1\n@@@docs-block 2\n@@@docs-done 2\n", []string{"", "printed an error", ""}},
		"cli error":    {ok + "@@@docs-block 1\ncanaryjudge: judge: --policy and --input are required\n@@@docs-done 1\n@@@docs-block 2\n@@@docs-done 2\n", []string{"", "printed an error", ""}},
		"stops midway": {ok + "@@@docs-block 1\n@@@docs-failed: grep -o x\n", []string{"", "stopped", "not reached"}},
	} {
		outs := splitOutcomes(bs, c.out, errors.New("exit status 1"))
		for i, o := range outs {
			if (c.errs[i] == "") != (o.Err == "") || !strings.Contains(o.Err, c.errs[i]) {
				t.Errorf("%s: block %d: %q, want %q", name, i, o.Err, c.errs[i])
			}
		}
	}
}

// TestExamplePolicies: every policy under docs/policies is valid, and the
// scheduled-run one gives every metric a query (and every count its totals).
func TestExamplePolicies(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(root, "docs", "policies", "*.yaml"))
	if err != nil || len(paths) < 2 {
		t.Fatalf("example policies: %v %v", paths, err)
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		pol, err := policyfile.Parse(b)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, m := range pol.Metrics {
			if m.Query == "" || (m.Kind == judge.KindCount && m.TotalQuery == "") {
				t.Errorf("%s: %s has no query (or no total_query for a count): the source cannot pull it", p, m.Name)
			}
		}
		if strings.Contains(p, "kayenta") != (pol.Mode == judge.ModeKayenta) {
			t.Errorf("%s: mode %s", p, pol.Mode)
		}
	}
}

// TestPlaceholders: ids a reader must fill in by hand are found; the same
// in comments, and variables, are not.
func TestPlaceholders(t *testing.T) {
	b := Block{File: "x.md", Line: 1, Text: "curl -s $S/v1/runs/run_...   # {\"id\":\"run_...\"}\n" +
		"curl -s http://h/kayenta/canary/kx_…\ncurl -H 'Authorization: Bearer <TOKEN>' $S\nRUN=$(x) # fine: rel_...\n" +
		"curl -s $S/v1/runs/$RUN\necho '# not a comment: rel_...'\n" +
		"X=$(curl -d '{\n  \"a\": 1}' | grep -o 'kx_[a-z]*')   # {\"id\":\"kx_…\"}\n"}
	got := Placeholders(b)
	want := []string{`x.md:2: "run_..."`, `x.md:3: "kx_…"`, `x.md:4: "<TOKEN>"`, `x.md:7: "rel_..."`}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("placeholders %v, want %v", got, want)
	}
}
