package docstest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/internal/promtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// root is the repository, from this package.
const root = "../.."

// maxSkipped bounds the blocks marked not executable.
const maxSkipped = 3

// TestDocs runs every shell block of README.md and docs/**/*.md as
// written: each file's blocks in one shell, in order, against a fresh
// server of their own (in-memory; PostgreSQL with authentication on for
// the blocks marked postgres), with the local Prometheus of the tests as
// $PROM for the blocks marked prometheus. A block fails when a command
// fails or it prints an error (a problem+json answer, an HTTP error, a
// CLI error); the server must log no error either. It prints its count.
func TestDocs(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the documentation against real servers")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	files, err := Files(root)
	if err != nil {
		t.Fatal(err)
	}
	byFile := map[string][]Block{}
	var skipped []string
	for _, f := range files {
		bs, err := Parse(root, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bs {
			if b.Skip != "" {
				skipped = append(skipped, b.Where()+" ("+b.Skip+")")
				continue
			}
			if ps := Placeholders(b); len(ps) > 0 {
				t.Errorf("placeholders in a block (chain ids and tokens through shell variables instead): %s", strings.Join(ps, "; "))
			}
		}
		byFile[f] = bs
	}
	if len(skipped) > maxSkipped {
		t.Errorf("%d blocks are marked not executable, at most %d may be: %s", len(skipped), maxSkipped, strings.Join(skipped, "; "))
	}
	bin := build(t)
	h := &harness{t: t, bin: bin}
	for _, f := range files {
		for _, session := range []string{Memory, Postgres} {
			var bs []Block
			for _, b := range byFile[f] {
				if b.Skip == "" && b.In(session) {
					bs = append(bs, b)
				}
			}
			if len(bs) > 0 {
				t.Run(f+"/"+session, func(t *testing.T) { h.session(t, session, bs) })
			}
		}
	}
	t.Run("scripts/walkthrough.sh", func(t *testing.T) { h.walkthroughScript(t) })
	summary := fmt.Sprintf("docs: %d shell blocks in %d files: %d runs passed (%d in-memory, %d on PostgreSQL with auth on), %d failed, %d not executable",
		h.blocks(byFile), len(files), h.passed[Memory]+h.passed[Postgres], h.passed[Memory], h.passed[Postgres], h.failed, len(skipped))
	if len(skipped) > 0 {
		summary += ": " + strings.Join(skipped, "; ")
	}
	if h.noProm > 0 {
		summary += fmt.Sprintf("; %d not run here: no prometheus installed", h.noProm)
	}
	t.Log(summary)
	fmt.Println(summary)
}

// harness holds what the sessions share.
type harness struct {
	t              *testing.T
	bin            string
	prom           string // the local Prometheus, started on first need
	passed         map[string]int
	failed, noProm int
}

func (h *harness) blocks(byFile map[string][]Block) int {
	n := 0
	for _, bs := range byFile {
		n += len(bs)
	}
	return n
}

// session runs one file's blocks of one session on a fresh server.
func (h *harness) session(t *testing.T, session string, bs []Block) {
	if h.passed == nil {
		h.passed = map[string]int{}
	}
	var env []string
	if session == Postgres {
		env = append(env, "DATABASE_URL="+pgtest.EmptyURL(t)) // serve migrates it; auth is on
	} else {
		env = append(env, "DATABASE_URL=", "CANARYJUDGE_AUTH=auto")
	}
	runnable := bs[:0:0]
	for _, b := range bs {
		if b.Prometheus && !h.startProm(t) {
			h.noProm++
			t.Logf("%s: not run: no prometheus installed (CI installs it)", b.Where())
			continue
		}
		runnable = append(runnable, b)
	}
	srv := startServer(t, h.bin, baseEnv(env...))
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	blockEnv := baseEnv(append(env, "S=http://"+srv.addr, "CJ_ADDR="+srv.addr, "CJ_BIN="+h.bin, "CJ_REPO="+abs, "PROM="+h.prom)...)
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for _, o := range runSession(ctx, runnable, blockEnv) {
		if o.Err == "" {
			h.passed[session]++
			t.Logf("%s: ok\n%s", o.Block.Where(), indent(tailN(o.Output, 2000)))
			continue
		}
		h.failed++
		t.Errorf("%s (%s): %s\n--- the block:\n%s--- its output:\n%s", o.Block.Where(), session, o.Err, o.Block.Text, tail(o.Output))
	}
	if errs := srv.errorsLogged(); len(errs) > 0 {
		t.Errorf("the server logged errors while %s's blocks ran:\n%s", bs[0].File, strings.Join(errs, "\n"))
	}
}

// walkthroughScript runs scripts/walkthrough.sh, the README's walk-through
// for users' own servers, against a fresh in-memory server.
func (h *harness) walkthroughScript(t *testing.T) {
	env := []string{"DATABASE_URL=", "CANARYJUDGE_AUTH=auto"}
	srv := startServer(t, h.bin, baseEnv(env...))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var out lockedBuffer
	err := runBash(ctx, "bash scripts/walkthrough.sh", baseEnv(append(env, "S=http://"+srv.addr)...), &out, root)
	if err != nil || !strings.Contains(out.String(), "every command of the README's walk-through succeeded") {
		t.Errorf("scripts/walkthrough.sh: %v\n%s", err, tail(out.String()))
	}
}

// startProm starts the local Prometheus once: 70 minutes of a healthy
// checkout canary and baseline (labels app, track) ending 10 minutes ago.
// Without the binaries it reports false (a failure under CI=true).
func (h *harness) startProm(t *testing.T) bool {
	if h.prom != "" {
		return true
	}
	_, err1 := exec.LookPath("prometheus")
	_, err2 := exec.LookPath("promtool")
	if err1 != nil || err2 != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but prometheus and promtool are not installed (scripts/deps.sh installs them)")
		}
		return false
	}
	t0 := time.Now().Add(-80 * time.Minute).Truncate(time.Minute)
	h.prom = promtest.Start(h.t, promtest.Canaries(t0, "", "checkout")).URL
	return true
}

// build compiles the binary the blocks' `go run ./cmd/canaryjudge` runs.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "canaryjudge")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/canaryjudge")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func tail(s string) string { return tailN(s, 8000) }

func tailN(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func indent(s string) string { return "    | " + strings.ReplaceAll(s, "\n", "\n    | ") }
