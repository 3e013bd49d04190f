package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestMigrationsCheckExitCodes: 0 when everything is expand, 1 when
// anything needs a human, 2 on a usage or read error.
func TestMigrationsCheckExitCodes(t *testing.T) {
	ok := writeFiles(t, map[string]string{
		"00001_a.sql": "-- +goose Up\nCREATE TABLE users (id bigint PRIMARY KEY, email varchar(100));\n",
		// Widening is known from the earlier file of the same check.
		"00002_b.sql": "-- +goose Up\nSET lock_timeout = '2s';\nALTER TABLE users ALTER COLUMN email TYPE varchar(200);\n",
	})
	bad := writeFiles(t, map[string]string{"00003_c.sql": "-- +goose Up\nALTER TABLE users RENAME COLUMN email TO mail;\n"})
	// Any size is read, but an expression deep enough to crash the parser
	// is not parsed: too-complex (unknown) names the limit.
	deep := writeFiles(t, map[string]string{"00004_d.sql": strings.Repeat("INSERT INTO t VALUES (1);\n", 20000) +
		"SELECT 1" + strings.Repeat("+1", 30000) + ";\n"})
	cases := []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"migrations", "check", ok}, 0, "00002_b.sql"},
		{[]string{"migrations", "check", "../../migrations"}, 0, "00005_verdict_history.sql"},
		{[]string{"migrations", "check", ok, filepath.Join(bad, "00003_c.sql")}, 1, "rename-column"},
		{[]string{"migrations", "check", "--format", "json", bad}, 1, `"needs_human": true`},
		{[]string{"migrations", "check", deep}, 1, "expression nesting depth 30001 (the statement at line 20001) exceeds the limit of 256"},
		{[]string{"migrations", "check"}, 2, ""},
		{[]string{"migrations", "check", "--format", "xml", ok}, 2, ""},
		{[]string{"migrations", "check", filepath.Join(ok, "missing.sql")}, 2, ""},
		{[]string{"migrations", "check", t.TempDir()}, 2, ""},
		{[]string{"migrations", "check", "--nope", ok}, 2, ""},
		{[]string{"migrations", "frobnicate"}, 2, ""},
	}
	for _, c := range cases {
		e, out, _ := testEnv("", nil)
		err := runEnv(context.Background(), e, c.args)
		code := 0
		if err != nil {
			code = exitCode(err)
		}
		if code != c.code || !strings.Contains(out.String(), c.out) {
			t.Errorf("%v: exit %d (%v), want %d; output lacks %q:\n%s", c.args, code, err, c.code, c.out, out)
		}
	}
}

func TestMigrationsCheckJSON(t *testing.T) {
	dir := writeFiles(t, map[string]string{"1.sql": "-- canaryjudge:allow drop-column fax unused since v40\nALTER TABLE users DROP COLUMN fax;\nDROP INDEX users_name;\n"})
	e, out, _ := testEnv("", nil)
	if err := runEnv(context.Background(), e, []string{"migrations", "check", "--format", "json", dir}); err == nil || exitCode(err) != 1 {
		t.Fatalf("err %v", err)
	}
	var got struct {
		NeedsHuman bool `json:"needs_human"`
		Files      []struct {
			Path     string
			Class    string
			Findings []struct{ Rule, Allowed string }
			Warnings []struct{ Rule string }
		}
	}
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	f := got.Files[0]
	if !got.NeedsHuman || f.Class != "contract" || f.Findings[0].Allowed != "fax unused since v40" || f.Findings[1].Rule != "drop-index" ||
		len(f.Warnings) == 0 {
		t.Fatalf("%s", out)
	}
}

func TestRenderMigrations(t *testing.T) {
	e, out, _ := testEnv("", nil)
	if err := runEnv(context.Background(), e, []string{"render", "migrations"}); err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	_ = sqlcheck.RenderPolicy(&want)
	if out.String() != want.String() || !strings.Contains(out.String(), "| `rename-column` | incompatible |") {
		t.Fatalf("render migrations printed:\n%.400s", out)
	}
}
