package sqlcheck

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

// allowedBy returns, per statement number, the Allowed reason of its
// first finding.
func allowedBy(t *testing.T, sql string) (judge.MigrationCheck, map[int]string) {
	t.Helper()
	r, err := New().Check(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	out := map[int]string{}
	for _, f := range r.Findings {
		if _, ok := out[f.Statement]; !ok {
			out[f.Statement] = f.Allowed
		}
	}
	return r, out
}

func TestAllowAnnotations(t *testing.T) {
	cases := []struct {
		name, sql string
		allowed   map[int]string // statement → reason ("" = not allowed)
		class     judge.Compat
		warning   string
	}{
		{"line before, plain SQL", "-- canaryjudge:allow drop-column v41 stopped reading fax\nALTER TABLE users DROP COLUMN fax;",
			map[int]string{1: "v41 stopped reading fax"}, E, ""},
		{"trailing on the same line belongs to that statement",
			"DROP TABLE a; -- canaryjudge:allow drop-table a is unused since v40\nDROP TABLE b;",
			map[int]string{1: "a is unused since v40", 2: ""}, C, ""},
		{"block comment inside the statement", "ALTER TABLE users /* canaryjudge:allow rename-column both names served by a view */ RENAME COLUMN a TO b;",
			map[int]string{1: "both names served by a view"}, E, ""},
		{"no reason accepts nothing", "-- canaryjudge:allow drop-table\nDROP TABLE a;",
			map[int]string{1: ""}, C, "allow-without-reason"},
		{"wrong rule accepts nothing", "-- canaryjudge:allow drop-table typo\nALTER TABLE users DROP COLUMN fax;",
			map[int]string{1: ""}, C, "allow-unused"},
		{"inside a string is not an annotation", "COMMENT ON TABLE a IS '-- canaryjudge:allow drop-table nope';\nDROP TABLE a;",
			map[int]string{1: "", 2: ""}, C, ""},
		{"goose: comment lines before a statement",
			"-- +goose Up\n-- canaryjudge:allow truncate the table is a cache, refilled on start\nTRUNCATE cache;\nTRUNCATE sessions;\n",
			map[int]string{1: "the table is a cache, refilled on start", 2: ""}, I, ""},
		{"one of two findings of a statement",
			"-- canaryjudge:allow drop-column fax unused since v40\nALTER TABLE users DROP COLUMN fax, ALTER COLUMN n SET NOT NULL;",
			map[int]string{1: "fax unused since v40"}, I, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, got := allowedBy(t, c.sql)
			for n, want := range c.allowed {
				if got[n] != want {
					t.Errorf("statement %d allowed %q, want %q (%+v)", n, got[n], want, r.Findings)
				}
			}
			if r.Class != c.class {
				t.Errorf("class %s, want %s", r.Class, c.class)
			}
			if c.warning != "" && !hasRule(r.Warnings, c.warning) {
				t.Errorf("warnings %+v lack %s", r.Warnings, c.warning)
			}
		})
	}
}

// TestProjectMigrationsAreExpand is the dogfood also run by .ci/run: each
// of this project's own migrations is expand, or accepted with a reason.
func TestProjectMigrationsAreExpand(t *testing.T) {
	paths, _ := filepath.Glob("../migrations/*.sql")
	if len(paths) == 0 {
		t.Fatal("no migrations found")
	}
	ch := New()
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ch.Check(context.Background(), string(b))
		if err != nil || r.NeedsHuman() {
			t.Errorf("%s: %s %v %+v", p, r.Class, err, r.Blocking())
		}
		for _, f := range r.Findings {
			if f.Class != E && f.Allowed == "" {
				t.Errorf("%s: %s has no allow reason", p, f.Rule)
			}
		}
	}
}
