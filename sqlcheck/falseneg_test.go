package sqlcheck

import (
	"context"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

// The four false negatives of issue 22, each as the issue describes it.

// TestIfNotExistsIsNotNew: CREATE TABLE IF NOT EXISTS t may find t
// already there, with the data the previous release uses, so destructive
// statements on t after it are judged as on an existing table.
func TestIfNotExistsIsNotNew(t *testing.T) {
	for _, c := range []struct {
		sql  string
		rule string
	}{
		{"ALTER TABLE t DROP COLUMN c", "drop-column"},
		{"ALTER TABLE t RENAME COLUMN c TO d", "rename-column"},
		{"UPDATE t SET c = 1", "update-rows"},
		{"DROP TABLE t", "drop-table"},
		{"ALTER TABLE t RENAME TO u", "rename-table"},
		{"ALTER TABLE t ADD COLUMN d int NOT NULL", "add-column-not-null"},
		{"ALTER TABLE t ALTER COLUMN c TYPE bigint", "alter-column-type"}, // its type may not be the declared one
	} {
		for _, create := range []string{"CREATE TABLE IF NOT EXISTS t (c int);", "CREATE TABLE IF NOT EXISTS t AS SELECT 1 AS c;"} {
			r := check(t, New(), create+"\n"+c.sql+";")
			if r.Class == E || !hasRule(r.Findings, c.rule) {
				t.Errorf("%s %s: %s %v, want %s", create, c.sql, r.Class, rules(r.Findings), c.rule)
			}
		}
	}
	// Known absent (dropped just before), IF NOT EXISTS creates it: new.
	r := check(t, New(), "-- canaryjudge:allow drop-table t is unused since v40\nDROP TABLE t;\nCREATE TABLE IF NOT EXISTS t (c int);\nALTER TABLE t DROP COLUMN c;")
	if r.Class != E {
		t.Errorf("re-created after a drop: %s %v", r.Class, rules(r.Findings))
	}
	// Created by an earlier file of the check: it exists for this file.
	ch := New()
	check(t, ch, "CREATE TABLE t (c int);")
	if r := check(t, ch, "CREATE TABLE IF NOT EXISTS t (c int);\nALTER TABLE t DROP COLUMN c;"); r.Class != C {
		t.Errorf("created by an earlier file: %s %v", r.Class, rules(r.Findings))
	}
	// ADD COLUMN IF NOT EXISTS: the column may hold the previous release's data.
	if r := check(t, New(), "ALTER TABLE u ADD COLUMN IF NOT EXISTS c int;\nALTER TABLE u DROP COLUMN c;"); r.Class != C {
		t.Errorf("ADD COLUMN IF NOT EXISTS then DROP: %s %v", r.Class, rules(r.Findings))
	}
}

// TestConcurrentlyInExplicitTransaction: PostgreSQL refuses CONCURRENTLY
// in a transaction block, be it BEGIN in plain SQL or in a goose file
// that runs without goose's transaction.
func TestConcurrentlyInExplicitTransaction(t *testing.T) {
	for _, sql := range []string{
		"BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;",
		"START TRANSACTION;\nDROP INDEX CONCURRENTLY i;\nCOMMIT;",
		"BEGIN;\nREINDEX INDEX CONCURRENTLY i;\nCOMMIT;",
		"BEGIN;\nALTER TABLE t DETACH PARTITION p CONCURRENTLY;\nCOMMIT;",
		"-- +goose Up\n-- +goose NO TRANSACTION\nBEGIN;\nCREATE INDEX CONCURRENTLY i ON t (c);\nCOMMIT;\n",
		"-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
	} {
		if r := check(t, New(), sql); !hasRule(r.Warnings, "concurrently-in-transaction") {
			t.Errorf("%q: warnings %v", sql, rules(r.Warnings))
		}
	}
	for _, sql := range []string{
		"CREATE INDEX CONCURRENTLY i ON t (c);",
		"BEGIN;\nSELECT 1;\nCOMMIT;\nCREATE INDEX CONCURRENTLY i ON t (c);",
		"-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
	} {
		if r := check(t, New(), sql); hasRule(r.Warnings, "concurrently-in-transaction") {
			t.Errorf("%q: outside any block, yet warned", sql)
		}
	}
}

// TestForeignKeyOnNewColumnLocks: a foreign key on a column the same
// migration adds is expand (the column holds only NULLs), but validating
// it still reads the whole table while blocking writes to both tables.
func TestForeignKeyOnNewColumnLocks(t *testing.T) {
	for _, sql := range []string{
		"ALTER TABLE email ADD COLUMN user_id int;\nALTER TABLE email ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id);",
		"ALTER TABLE email ADD COLUMN user_id int REFERENCES users (id);",
	} {
		r := check(t, New(), sql)
		if r.Class != E || !hasRule(r.Warnings, "lock-validation") {
			t.Errorf("%q: %s, warnings %v", sql, r.Class, rules(r.Warnings))
		}
	}
	r := check(t, New(), "ALTER TABLE email ADD COLUMN user_id int;\nALTER TABLE email ADD CONSTRAINT fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;")
	if r.Class != E || hasRule(r.Warnings, "lock-validation") {
		t.Errorf("NOT VALID: %s, warnings %v", r.Class, rules(r.Warnings))
	}
}

// TestLockWarnings: REINDEX, LOCK TABLE and COMMENT ON wait for locks on
// an existing table; statement_timeout is checked beside lock_timeout.
func TestLockWarnings(t *testing.T) {
	cases := []struct {
		sql  string
		want []string
	}{
		{"REINDEX TABLE t;", []string{"lock-reindex", "missing-lock-timeout", "missing-statement-timeout"}},
		{"REINDEX INDEX i;", []string{"lock-reindex", "missing-lock-timeout", "missing-statement-timeout"}},
		{"REINDEX (CONCURRENTLY false) INDEX i;", []string{"lock-reindex"}},
		{"BEGIN;\nLOCK TABLE t;\nCOMMIT;", []string{"lock-table", "missing-lock-timeout", "missing-statement-timeout"}},
		{"BEGIN;\nLOCK TABLE t IN ACCESS SHARE MODE;\nCOMMIT;", []string{"missing-lock-timeout"}},
		{"COMMENT ON TABLE t IS 'x';", []string{"missing-lock-timeout", "missing-statement-timeout"}},
		{"SET lock_timeout = '1s';\nALTER TABLE t ADD COLUMN c int;", []string{"missing-statement-timeout"}},
		{"SET statement_timeout = '5s';\nALTER TABLE t ADD COLUMN c int;", []string{"missing-lock-timeout"}},
		{"SET lock_timeout = 0;\nSET statement_timeout = '5s';\nALTER TABLE t ADD COLUMN c int;", []string{"missing-lock-timeout"}},
	}
	for _, c := range cases {
		r := check(t, New(), c.sql)
		for _, w := range c.want {
			if !hasRule(r.Warnings, w) {
				t.Errorf("%q: warnings %v lack %s", c.sql, rules(r.Warnings), w)
			}
		}
	}
	quiet := []string{
		"SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nREINDEX TABLE CONCURRENTLY t;\nALTER TABLE t ADD COLUMN c int;",
		"SET lock_timeout = '1s';\nSET statement_timeout = '5s';\nCOMMENT ON TABLE t IS 'x';",
		"CREATE TABLE n (c int);\nCOMMENT ON TABLE n IS 'x';\nREINDEX TABLE n;",
	}
	for _, sql := range quiet {
		if r := check(t, New(), sql); len(r.Warnings) > 0 {
			t.Errorf("%q: warnings %v", sql, rules(r.Warnings))
		}
	}
}

func check(t *testing.T, ch *Checker, sql string) judge.MigrationCheck {
	t.Helper()
	r, err := ch.Check(context.Background(), sql)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func rules(fs []judge.MigrationFinding) string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return strings.Join(out, " ")
}
