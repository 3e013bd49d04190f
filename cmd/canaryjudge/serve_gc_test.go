package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

// TestServeGCPercent runs the real binary and reads the collector's percent
// from its own /metrics: on PostgreSQL it is 400 unless GOGC is set, and
// GOGC, when set, is what the process runs with; the in-memory store keeps
// Go's default (its live heap is all its data).
func TestServeGCPercent(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	url := pgtest.URL(t)
	bin := buildBinary(t)
	for _, c := range []struct {
		database, gogc, want string
	}{
		{url, "", "400"},
		{url, "150", "150"},
		{"", "", "100"},
	} {
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--auth", "off")
		cmd.Env = append(withoutGOGC(os.Environ()), "DATABASE_URL="+c.database)
		if c.gogc != "" {
			cmd.Env = append(cmd.Env, "GOGC="+c.gogc)
		}
		stderr, _ := cmd.StderrPipe()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr, _ := waitListening(t, stderr)
		code, body := get(t, "http://"+addr+"/metrics")
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if !strings.Contains(body, "\ngo_gc_gogc_percent "+c.want+"\n") {
			t.Errorf("database %t, GOGC %q: want go_gc_gogc_percent %s in /metrics (%d, %.200s)", c.database != "", c.gogc, c.want, code, body)
		}
	}
}

func withoutGOGC(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "GOGC=") {
			out = append(out, kv)
		}
	}
	return out
}
