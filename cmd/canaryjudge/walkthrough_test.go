package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestWalkthrough runs scripts/walkthrough.sh, which runs the README's
// curl walk-through as written, against the real binary serving the
// in-memory store: every request must succeed and every decision the
// README promises must come. The server's outgoing HTTP goes through a
// proxy address where nothing listens, so the example policy's Slack sink
// is never contacted from the test.
func TestWalkthrough(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	for _, tool := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	bin := filepath.Join(t.TempDir(), "canaryjudge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	srv := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	srv.Env = append(os.Environ(), "DATABASE_URL=", "CANARYJUDGE_AUTH=auto",
		"HTTPS_PROXY=http://127.0.0.1:1", "HTTP_PROXY=http://127.0.0.1:1", "NO_PROXY=", "https_proxy=", "http_proxy=", "no_proxy=")
	stderr, _ := srv.StderrPipe()
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = srv.Process.Kill(); _ = srv.Wait() }()
	addr, _ := waitListening(t, stderr)

	walk := exec.Command("bash", "scripts/walkthrough.sh")
	walk.Dir = "../.."
	walk.Env = append(os.Environ(), "S=http://"+addr, "CANARYJUDGE_TOKEN=")
	out, err := walk.CombinedOutput()
	if err != nil {
		t.Fatalf("walkthrough: %v\n%s", err, out)
	}
	for _, want := range []string{
		`"decision":{"action":"wait","reason":"bake_incomplete"`,
		`"decision":{"action":"promote","reason":"bake_complete"`,
		`"decision":{"action":"rollback","reason":`,
		`"state":"rolled_back"`,
		`"expires_at"`, `"releases":[]`, `"verdict":`,
		"every command of the README's walk-through succeeded",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("the walk-through's output lacks %s:\n%s", want, out)
		}
	}
}
