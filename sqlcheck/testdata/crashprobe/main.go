// Command crashprobe finds, for each shape of deep or wide SQL, the
// smallest size at which PostgreSQL's parser (libpg_query through
// pg_query_go) kills the process, and what it answers below that. Each
// attempt runs in a child process (this program re-executed), so a crash
// is observed, not suffered. It is not part of the build (testdata);
// run it by hand:
//
//	go run ./sqlcheck/testdata/crashprobe [-shape NAME] [-max N]
//
// The figures it prints are the ones sqlcheck's limits (limits.go) are
// set from, with a margin.
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// shapes builds SQL of size n for each shape.
var shapes = []struct {
	name  string
	build func(n int) string
}{
	{"plus_chain", func(n int) string { return "SELECT 1" + strings.Repeat("+1", n-1) }},
	{"and_chain", func(n int) string { return "SELECT true" + strings.Repeat(" AND true", n-1) }},
	{"alternating_and_or", func(n int) string { return "SELECT a" + strings.Repeat(" AND b OR c", n/2) }},
	{"concat_chain", func(n int) string { return "SELECT 'a'" + strings.Repeat("||'a'", n-1) }},
	{"cast_chain", func(n int) string { return "SELECT 1" + strings.Repeat("::int", n) }},
	{"unary_minus", func(n int) string { return "SELECT " + strings.Repeat("- ", n) + "1" }},
	{"not_chain", func(n int) string { return "SELECT " + strings.Repeat("NOT ", n) + "true" }},
	{"nested_parens", func(n int) string { return "SELECT " + strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }},
	{"nested_parens_plus", func(n int) string { return "SELECT " + strings.Repeat("(1+", n) + "1" + strings.Repeat(")", n) }},
	{"nested_calls", func(n int) string { return "SELECT " + strings.Repeat("f(", n) + "1" + strings.Repeat(")", n) }},
	{"nested_case", func(n int) string {
		return "SELECT " + strings.Repeat("CASE WHEN x THEN ", n) + "1" + strings.Repeat(" END", n)
	}},
	{"case_else_chain", func(n int) string {
		return "SELECT " + strings.Repeat("CASE WHEN x THEN 1 ELSE ", n) + "1" + strings.Repeat(" END", n)
	}},
	{"flat_case_whens", func(n int) string {
		return "SELECT CASE" + strings.Repeat(" WHEN x THEN 1", n) + " END"
	}},
	{"in_list", func(n int) string { return "SELECT 1 WHERE x IN (1" + strings.Repeat(",1", n-1) + ")" }},
	{"nested_subselect", func(n int) string {
		return strings.Repeat("SELECT (", n) + "SELECT 1" + strings.Repeat(")", n)
	}},
	{"nested_array", func(n int) string { return "SELECT " + strings.Repeat("ARRAY[", n) + "1" + strings.Repeat("]", n) }},
	{"values_rows", func(n int) string { return "INSERT INTO t VALUES (1)" + strings.Repeat(",(1)", n-1) }},
	{"statements", func(n int) string { return strings.Repeat("SELECT 1;", n) }},
	{"check_plus_chain", func(n int) string {
		return "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1" + strings.Repeat("+1", n-1) + ") NOT VALID"
	}},
}

func main() {
	if n := os.Getenv("CRASHPROBE_CHILD"); n != "" {
		child(n)
		return
	}
	shape := flag.String("shape", "", "only this shape")
	maxN := flag.Int("max", 400000, "largest size tried")
	parsed := flag.Bool("parsed", false, "find the first size that no longer parses (an error or a crash) instead of the first crash")
	flag.Parse()
	failing = func(what string, crashed bool) bool { return crashed }
	if *parsed {
		failing = func(what string, crashed bool) bool { return crashed || !strings.HasPrefix(what, "parsed") }
	}
	fmt.Printf("%-20s %-10s %-12s %-12s %s\n", "shape", "first bad", "largest ok", "bytes there", "what happens at the first bad size")
	for _, s := range shapes {
		if *shape != "" && s.name != *shape {
			continue
		}
		probe(s.name, *maxN)
	}
}

// failing reports whether an attempt counts as bad.
var failing func(what string, crashed bool) bool

// probe doubles n until an attempt crashes (or reaches max), then
// bisects between the last size that did not crash and the first that did.
func probe(name string, maxN int) {
	lo, hi := 0, 0
	var loWhat string
	for n := 250; ; n *= 2 {
		if n > maxN {
			n = maxN
		}
		what, crashed := attempt(name, n)
		if failing(what, crashed) {
			hi = n
			break
		}
		lo, loWhat = n, what
		if n == maxN {
			fmt.Printf("%-20s %-10s %-12d %-12s none up to %d: %s\n", name, "-", lo, "", maxN, loWhat)
			return
		}
	}
	var hiWhat string
	for hi-lo > max(1, lo/200) { // to within 0.5 %
		mid := (lo + hi) / 2
		what, crashed := attempt(name, mid)
		if failing(what, crashed) {
			hi, hiWhat = mid, what
		} else {
			lo, loWhat = mid, what
		}
	}
	if hiWhat == "" {
		hiWhat, _ = attempt(name, hi)
	}
	fmt.Printf("%-20s %-10d %-12d %-12d %s (at %d: %s)\n", name, hi, lo, len(build(name, lo)), hiWhat, lo, loWhat)
}

func build(name string, n int) string {
	for _, s := range shapes {
		if s.name == name {
			return s.build(n)
		}
	}
	panic(name)
}

// attempt parses shape(n) in a child process and reports what happened.
func attempt(name string, n int) (string, bool) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "CRASHPROBE_CHILD="+name+":"+strconv.Itoa(n))
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return "killed by " + ws.Signal().String(), true
		}
		line, _, _ := strings.Cut(string(out), "\n")
		return "exit " + strconv.Itoa(ee.ExitCode()) + ": " + line, true
	}
	return strings.TrimSpace(string(out)), false
}

func child(spec string) {
	name, ns, _ := strings.Cut(spec, ":")
	n, _ := strconv.Atoi(ns)
	sql := build(name, n)
	_, _ = pg_query.Parse("SELECT 1") // the first call sets the parser up
	t := time.Now()
	_, err := pg_query.Parse(sql)
	d := time.Since(t).Round(100 * time.Microsecond)
	if err != nil {
		msg := err.Error()
		if len(msg) > 60 {
			msg = msg[:60]
		}
		fmt.Printf("error after %v: %s\n", d, msg)
		return
	}
	fmt.Printf("parsed in %v\n", d)
}
