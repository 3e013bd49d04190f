package docstest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a canaryjudge serve process for one session.
type server struct {
	addr string
	mu   sync.Mutex
	log  bytes.Buffer // everything it logged after "listening"
}

// startServer runs `serve` on a free loopback port with env (the store's
// DATABASE_URL among it) until the test ends.
func startServer(t *testing.T, bin string, env []string) *server {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json", "--sweep-interval", "1s", "--run-poll", "200ms")
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Signal(syscall.SIGTERM); _ = cmd.Wait() })
	s := &server{}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var head []string
		listening := false
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			switch {
			case !listening && json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "listening":
				found <- line.Addr
				listening = true
			case !listening:
				head = append(head, sc.Text())
			default:
				s.mu.Lock()
				s.log.Write(append(sc.Bytes(), '\n'))
				s.mu.Unlock()
			}
		}
		if !listening {
			found <- "exited: " + strings.Join(head, "\n")
		}
	}()
	select {
	case a := <-found:
		if strings.HasPrefix(a, "exited: ") {
			t.Fatalf("serve did not start:\n%s", strings.TrimPrefix(a, "exited: "))
		}
		s.addr = a
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not log 'listening' within 60s")
	}
	return s
}

// errorsLogged are the server's error-level log lines.
func (s *server) errorsLogged() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, l := range strings.Split(s.log.String(), "\n") {
		if strings.Contains(l, `"level":"ERROR"`) {
			out = append(out, l)
		}
	}
	return out
}

// prelude is what the harness puts before a session's blocks: strict
// bash; curl that fails on an HTTP error status (unless the command prints
// the status itself with -w), shows curl's own errors even with -s, logs
// each answer's status, and reaches the session's server where a doc says
// localhost:8080; `go run ./cmd/canaryjudge` as the binary built once.
const prelude = `set -eo pipefail
cd "$CJ_REPO"
curl() {
  local a fail=--fail-with-body wo=(-w '%{stderr}@@@http %{http_code}\n') args=()
  for a in "$@"; do
    case "$a" in -w|--write-out|-w?*) fail= wo=() ;; esac
    a=${a//localhost:8080/$CJ_ADDR}; a=${a//127.0.0.1:8080/$CJ_ADDR}
    args+=("$a")
  done
  command curl -S ${fail:+"$fail"} "${wo[@]}" "${args[@]}"
}
go() {
  if [ "${1:-}" = run ] && [ "${2:-}" = ./cmd/canaryjudge ]; then shift 2; "$CJ_BIN" "$@"; else command go "$@"; fi
}
trap 'echo "@@@docs-failed: $BASH_COMMAND" >&2' ERR
`

// blockMark opens and closes each block's output.
var blockMark = regexp.MustCompile(`(?m)^@@@docs-(block|done) (\d+)$`)

// errorOutput is what no block may print: a problem+json answer, an HTTP
// error status, curl's or the CLI's own errors, a shell's complaints.
var errorOutput = regexp.MustCompile(`"type":"urn:canaryjudge:problem:|@@@http [45]\d\d|(?m)^curl: \(\d+\)|(?m)^canaryjudge: |` +
	`command not found|No such file or directory|syntax error|(?m)^panic: |level=ERROR|"level":"ERROR"|@@@docs-failed`)

// outcome is what one block did in a session.
type outcome struct {
	Block  Block
	Output string
	Ran    bool
	Err    string // why it failed, "" when it passed
}

// runSession runs blocks in one bash with env, each block's output
// between markers, and says what each did.
func runSession(ctx context.Context, blocks []Block, env []string) []outcome {
	var script strings.Builder
	script.WriteString(prelude)
	for i, b := range blocks {
		fmt.Fprintf(&script, "echo '@@@docs-block %d'\n%s\necho '@@@docs-done %d'\n", i, b.Text, i)
	}
	var out lockedBuffer
	runErr := runBash(ctx, script.String(), env, &out, "")
	return splitOutcomes(blocks, out.String(), runErr)
}

// runBash runs script in a process group of its own, which is killed
// whole when ctx ends and once bash has returned: nothing a block started
// outlives its session.
func runBash(ctx context.Context, script string, env []string, out *lockedBuffer, dir string) error {
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Env, cmd.Stdin, cmd.Dir = env, nil, dir
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	return err
}

// splitOutcomes cuts the session's output at the markers and judges each
// block: it must reach its end and print no error.
func splitOutcomes(blocks []Block, all string, runErr error) []outcome {
	outs := make([]outcome, len(blocks))
	for i, b := range blocks {
		outs[i] = outcome{Block: b}
	}
	marks := blockMark.FindAllStringSubmatchIndex(all, -1)
	done := map[int]bool{}
	for k, m := range marks {
		i, _ := strconv.Atoi(all[m[4]:m[5]])
		if all[m[2]:m[3]] == "done" {
			done[i] = true
			continue
		}
		end := len(all)
		if k+1 < len(marks) {
			end = marks[k+1][0]
		}
		outs[i].Ran, outs[i].Output = true, strings.TrimSpace(all[m[1]:end])
	}
	for i := range outs {
		o := &outs[i]
		switch {
		case !o.Ran:
			o.Err = "not reached: an earlier block failed"
		case !done[i]:
			o.Err = fmt.Sprintf("it stopped (%v)", runErr)
		case errorOutput.MatchString(o.Output):
			o.Err = "it printed an error: " + errorOutput.FindString(o.Output)
		}
	}
	return outs
}

// lockedBuffer is one buffer both of bash's streams write to, in order.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// baseEnv is the environment of servers and blocks: the test's, without
// tokens, proxies or a database unless a session adds them.
func baseEnv(extra ...string) []string {
	drop := map[string]bool{"TOKEN": true, "CANARYJUDGE_TOKEN": true, "CANARYJUDGE_ADMIN_TOKEN": true, "DATABASE_URL": true,
		"CANARYJUDGE_AUTH": true, "CANARYJUDGE_ADDR": true, "S": true, "PROM": true, "HTTP_PROXY": true, "HTTPS_PROXY": true,
		"http_proxy": true, "https_proxy": true, "ALL_PROXY": true, "all_proxy": true}
	var out []string
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, extra...)
}
