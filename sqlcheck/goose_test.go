package sqlcheck

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/pressly/goose/v3"

	"github.com/canaryjudge/canaryjudge/judge"
)

// recorder is a database/sql driver that records what goose executes, so
// that goose itself is the oracle for how a file splits into statements.
type recorder struct {
	mu    sync.Mutex
	execs []string
}

type recConn struct{ r *recorder }
type recTx struct{}

func (r *recorder) Open(string) (driver.Conn, error) { return recConn{r}, nil }
func (c recConn) Prepare(q string) (driver.Stmt, error) {
	return nil, errors.New("recorder: only Exec is supported")
}
func (c recConn) Close() error              { return nil }
func (c recConn) Begin() (driver.Tx, error) { return recTx{}, nil }
func (c recConn) ExecContext(_ context.Context, q string, _ []driver.NamedValue) (driver.Result, error) {
	c.r.mu.Lock()
	c.r.execs = append(c.r.execs, q)
	c.r.mu.Unlock()
	return driver.RowsAffected(0), nil
}
func (recTx) Commit() error   { return nil }
func (recTx) Rollback() error { return nil }

var rec = &recorder{}

func init() { sql.Register("sqlcheck-recorder", rec) }

// gooseStatements runs goose Up over one file and returns what it executed.
func gooseStatements(t *testing.T, body string) []string {
	t.Helper()
	db, err := sql.Open("sqlcheck-recorder", "")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db,
		fstest.MapFS{"00001_x.sql": {Data: []byte(body)}}, goose.WithDisableVersioning(true))
	if err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	rec.execs = nil
	rec.mu.Unlock()
	if _, err := p.Up(context.Background()); err != nil {
		t.Fatalf("goose up: %v", err)
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]string(nil), rec.execs...)
}

var gooseFiles = []string{
	"-- +goose Up\nCREATE TABLE a (x int);\n\n-- a comment\nCREATE TABLE b (\n  y int -- trailing; not the end\n);\n-- +goose Down\nDROP TABLE a;\n",
	"-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN 1;\nEND\n$$;\n-- +goose StatementEnd\nSELECT 1; -- done\n",
	"-- +goose Up\n-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON t (x);\nALTER TABLE t\n  ADD COLUMN z text; -- canaryjudge:allow x y\n",
	"-- leading comment\n\n-- +goose Up\nINSERT INTO t VALUES ('a;b');\nUPDATE t SET x = 1;   \n",
}

// TestSplitLikeGoose: the statements the classifier sees are exactly the
// ones goose executes, for tricky files and for this project's migrations.
func TestSplitLikeGoose(t *testing.T) {
	files := append([]string(nil), gooseFiles...)
	paths, _ := filepath.Glob("../migrations/*.sql")
	if len(paths) == 0 {
		t.Fatal("no migrations found in ../migrations")
	}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, string(b))
	}
	for i, f := range files {
		want := gooseStatements(t, f)
		if len(want) == 0 {
			t.Fatalf("file %d: goose executed nothing", i)
		}
		g, err := splitGoose(f)
		if err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
		var got []string
		for _, c := range g.chunks {
			got = append(got, strings.TrimSpace(c.text))
		}
		if strings.Join(got, "\n---\n") != strings.Join(want, "\n---\n") {
			t.Errorf("file %d split differently from goose:\n got  %q\n want %q", i, got, want)
		}
	}
}

func TestGooseLinesAndDown(t *testing.T) {
	f := "-- +goose Up\n\nSET lock_timeout = '1s';\n-- +goose StatementBegin\nDO $$ BEGIN\n  PERFORM 1;\nEND $$;\n-- +goose StatementEnd\nALTER TABLE users\n  DROP COLUMN fax;\n-- +goose Down\nDROP TABLE users CASCADE;\n"
	r, _ := New().Check(context.Background(), f)
	want := []struct {
		line int
		rule string
	}{{3, "session-setting"}, {5, "do-block"}, {9, "drop-column"}}
	if len(r.Findings) != len(want) {
		t.Fatalf("findings %+v", r.Findings)
	}
	for i, w := range want {
		if f := r.Findings[i]; f.Line != w.line || f.Rule != w.rule || f.Statement != i+1 {
			t.Errorf("finding %d: line %d rule %s, want line %d rule %s", i, f.Line, f.Rule, w.line, w.rule)
		}
	}
	if r.Class != U {
		t.Errorf("class %s: the DO block is unknown and the Down part must not count", r.Class)
	}
}

func TestGooseFilesGooseRefuses(t *testing.T) {
	for _, f := range []string{
		"-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n",
		"CREATE TABLE x (a int);\n-- +goose Up\nSELECT 1;\n",
		"-- +goose Up\nCREATE TABLE x (a int)\n",
		"-- +goose Up\n-- +goose Sideways\nSELECT 1;\n",
	} {
		r, _ := New().Check(context.Background(), f)
		if r.Class != U || !hasRule(r.Findings, "parse-error") {
			t.Errorf("%q: %s %+v", f, r.Class, r.Findings)
		}
	}
}

func TestConcurrentlyNeedsNoTransaction(t *testing.T) {
	in := "-- +goose Up\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
	r, _ := New().Check(context.Background(), in)
	if !hasRule(r.Warnings, "concurrently-in-transaction") {
		t.Errorf("warnings %+v", r.Warnings)
	}
	r, _ = New().Check(context.Background(), strings.Replace(in, "Up\n", "Up\n-- +goose NO TRANSACTION\n", 1))
	if hasRule(r.Warnings, "concurrently-in-transaction") || r.Class != E {
		t.Errorf("with NO TRANSACTION: %s %+v", r.Class, r.Warnings)
	}
}

func hasRule(fs []judge.MigrationFinding, rule string) bool {
	for _, f := range fs {
		if f.Rule == rule {
			return true
		}
	}
	return false
}
