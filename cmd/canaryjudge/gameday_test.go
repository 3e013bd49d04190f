package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

type gamedayReport struct {
	Passed, Failed, Skipped int
	Scenarios               []struct {
		Scenario, Status, Actual string
	}
}

// TestGamedayAgainstServeOnPostgres runs `serve` on PostgreSQL (the
// command's own code, in process, with auth on and a bootstrap admin
// token) and the game day against it over HTTP as `--server`, in real
// time: the server's own sweeper (every second) must halt the stuck
// rollback and the stale release, and its own dispatcher must deliver
// every page to the game day's sink. The embedded run cannot show that:
// its clock and sweeps are the game day's.
func TestGamedayAgainstServeOnPostgres(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for real rollback and stale deadlines (about 15 s)")
	}
	token := strings.Repeat("gameday-admin-", 3)
	addr, stop := startServe(t, map[string]string{"DATABASE_URL": pgtest.URL(t), "CANARYJUDGE_ADMIN_TOKEN": token})
	defer stop()
	e, out, errb := testEnv("", nil)
	err := runEnv(context.Background(), e, []string{"gameday", "--server", "http://" + addr, "--token", token, "--format", "json", "--wait", "30s"})
	var rep gamedayReport
	if jerr := json.Unmarshal(out.Bytes(), &rep); jerr != nil {
		t.Fatalf("output is not JSON (%v): %s\n%s", jerr, out.String(), errb.String())
	}
	if err != nil || rep.Passed != 15 || rep.Failed+rep.Skipped != 0 {
		t.Fatalf("gameday: %v; %d passed, %d failed, %d skipped\n%s\n%s", err, rep.Passed, rep.Failed, rep.Skipped, out.String(), errb.String())
	}
}

// TestGamedayWrongExpectationExitsOne: a deliberately wrong expectation
// exits 1, and the table is followed by a diff of expected and actual.
func TestGamedayWrongExpectationExitsOne(t *testing.T) {
	e, out, errb := testEnv("", nil)
	err := runEnv(context.Background(), e, []string{"gameday", "--embedded", "--scenario", "ceiling_breach",
		"--scenario", "healthy", "--expect", "ceiling_breach=wait/bake_incomplete"})
	if err == nil || exitCode(err) != 1 {
		t.Fatalf("err = %v (exit %d), want exit 1", err, exitCode(err))
	}
	for _, want := range []string{"RESULT", "PASS", "FAIL ceiling_breach", "- expected: wait (bake_incomplete) by window 1",
		"+ actual:   rollback (critical_ceiling) at window 1", "why:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(errb.String(), "[ 2/2]") || !strings.Contains(err.Error(), "1 of 2 scenarios failed") {
		t.Errorf("progress or summary missing: %v\n%s", err, errb.String())
	}
}

func TestGamedayUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"--server", "http://x", "--embedded"}, {"--format", "xml"}, {"--scenario", "nope"},
		{"--expect", "healthy"}, {"--server", "localhost:8080"}, {"--token", "t"}, {"extra"},
	} {
		e, _, _ := testEnv("", nil)
		if err := runEnv(context.Background(), e, append([]string{"gameday"}, args...)); err == nil {
			t.Errorf("gameday %v succeeded", args)
		}
	}
}

// startServe runs `serve` in process on a free loopback port with the
// given environment, JSON logs and a one-second sweep; stop ends it and
// waits for it.
func startServe(t *testing.T, vars map[string]string) (addr string, stop func()) {
	t.Helper()
	pr, pw := io.Pipe()
	e := &env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: pw, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		err := runEnv(ctx, e, []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--sweep-interval", "1s"})
		pw.CloseWithError(io.EOF)
		done <- err
	}()
	addr, _ = waitListening(t, pr)
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}
