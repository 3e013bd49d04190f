package main

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv(parserWorkerEnv) == "1" { // serve's parser worker is this test binary
		_ = migrationsWorker(context.Background(), &env{stdin: os.Stdin, stdout: os.Stdout}, nil)
		os.Exit(0)
	}
	pgtest.Main(m)
}

// TestMigrateCommand: status lists every migration as pending, up applies
// them, down rolls one back, status shows it, and token create works on the
// migrated database.
func TestMigrateCommand(t *testing.T) {
	url := pgtest.EmptyURL(t)
	vars := map[string]string{"DATABASE_URL": url}
	run := func(args ...string) string {
		t.Helper()
		e, out, errb := testEnv("", vars)
		if err := runEnv(context.Background(), e, args); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, errb)
		}
		return out.String()
	}
	st := run("migrate", "status")
	if !strings.Contains(st, "00001_services_policies.sql") || strings.Contains(st, "applied") {
		t.Fatalf("status before up:\n%s", st)
	}
	if out := run("migrate", "up"); !strings.HasPrefix(out, "applied ") {
		t.Fatalf("up: %s", out)
	}
	lines := strings.Split(strings.TrimSpace(run("migrate", "status")), "\n")
	for _, l := range lines[1:] {
		if !strings.Contains(l, "applied") {
			t.Fatalf("not applied after up: %s", l)
		}
	}
	if out := run("migrate", "down"); !strings.HasPrefix(out, "rolled back ") {
		t.Fatalf("down: %s", out)
	}
	if st := run("migrate", "status"); strings.Count(st, "pending") != 1 {
		t.Fatalf("status after down should show one pending:\n%s", st)
	}
	run("migrate", "up")
	tok := strings.TrimSpace(run("token", "create", "--name", "spinnaker", "--scope", "judge,read"))
	if !strings.HasPrefix(tok, "cj_") || len(tok) < 40 {
		t.Fatalf("token = %q", tok)
	}
}

func TestMigrateNeedsDatabase(t *testing.T) {
	e, _, _ := testEnv("", nil)
	if err := runEnv(context.Background(), e, []string{"migrate", "status"}); err == nil || !strings.Contains(err.Error(), "DATABASE_URL") {
		t.Fatalf("err = %v", err)
	}
}
