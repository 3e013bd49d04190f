package sqlcheck

import (
	"context"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

// FuzzCheck: arbitrary text never panics; the class is the worst
// blocking finding; whatever PostgreSQL's parser rejects is unknown and
// carries the parser's own message; statements are numbered 1..n.
func FuzzCheck(f *testing.F) {
	for _, c := range classCases {
		f.Add(c.prior + c.sql)
	}
	for _, g := range gooseFiles {
		f.Add(g)
	}
	for _, s := range []string{"", ";;;", "--", "/*", "'", "$$", "-- +goose Up\n", "SELECT 1; SELEC 2; DROP TABLE x",
		"ALTER TABLE t ADD COLUMN x int;\x00", "\xff", strings.Repeat("(", 10000), "-- canaryjudge:allow"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, sql string) {
		r, err := New().Check(context.Background(), sql)
		if err != nil {
			t.Fatalf("error without a cancelled context: %v", err)
		}
		checkShape(t, r)
		if validInput(sql) != "" {
			if r.Class != U || !hasRule(r.Findings, "invalid-input") {
				t.Fatalf("invalid input classified %s", r.Class)
			}
			return
		}
		if DefaultLimits.Check(sql) != nil {
			if r.Class != U || !hasRule(r.Findings, "too-complex") {
				t.Fatalf("over the limits, yet %s %+v", r.Class, r.Findings)
			}
			return
		}
		if isGoose(sql) || strings.Contains(sql, "canaryjudge:allow") {
			return
		}
		_, perr := parseSQL(sql)
		if perr == nil {
			if hasRule(r.Findings, "parse-error") {
				t.Fatalf("parsed fine but reported a parse error: %+v", r.Findings)
			}
			return
		}
		msg, _ := parseMessage(perr, sql)
		if r.Class != U && r.Class != I { // another statement may be known to be worse
			t.Fatalf("parse error %q but class %s", msg, r.Class)
		}
		for _, f := range r.Findings {
			if f.Rule == "parse-error" && f.Detail == msg && f.Class == U {
				return
			}
		}
		t.Fatalf("no parse-error finding carries the parser's message %q: %+v", msg, r.Findings)
	})
}

func checkShape(t *testing.T, r judge.MigrationCheck) {
	t.Helper()
	worst := E
	last := 0
	for _, f := range r.Findings {
		switch f.Class {
		case E, C, I, U:
		default:
			t.Fatalf("finding with class %q: %+v", f.Class, f)
		}
		if f.Statement < last || f.Statement > last+1 || f.Line < 1 || f.Rule == "" || f.Reason == "" {
			t.Fatalf("finding out of order or incomplete: %+v", f)
		}
		last = f.Statement
		if f.Blocks() {
			worst = judge.Worse(worst, f.Class)
		}
	}
	if r.Class != worst {
		t.Fatalf("class %s, but the worst blocking finding is %s", r.Class, worst)
	}
	for _, w := range r.Warnings {
		if w.Class != "" || w.Statement < 1 {
			t.Fatalf("warning with a class or no statement: %+v", w)
		}
	}
}
