package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func testEnv(stdin string, vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv: func(k string) string { return vars[k] }}, &out, &errb
}

// TestServeUnreachableDatabase: a wrong DATABASE_URL ends serve quickly
// with a one-line error naming the server.
func TestServeUnreachableDatabase(t *testing.T) {
	e, _, _ := testEnv("", map[string]string{"DATABASE_URL": "postgres://nobody@127.0.0.1:1/canary?connect_timeout=2"})
	start := time.Now()
	err := runEnv(context.Background(), e, []string{"serve", "--addr", "127.0.0.1:0"})
	if err == nil {
		t.Fatal("serve with an unreachable database succeeded")
	}
	if msg := err.Error(); strings.Contains(msg, "\n") || !strings.Contains(msg, "127.0.0.1:1") {
		t.Fatalf("error should be one line naming the server: %q", msg)
	}
	if d := time.Since(start); d > 15*time.Second {
		t.Fatalf("took %s: must not hang beyond the connect timeout", d)
	}
}

func TestServeBadConfigListsEveryProblem(t *testing.T) {
	e, _, _ := testEnv("", map[string]string{"CANARYJUDGE_LOG_LEVEL": "loud", "CANARYJUDGE_LOG_FORMAT": "xml"})
	err := runEnv(context.Background(), e, []string{"serve", "--addr", "nonsense", "--retention", "10m"})
	if err == nil || !strings.Contains(err.Error(), "addr") || !strings.Contains(err.Error(), "loud") || !strings.Contains(err.Error(), "xml") ||
		!strings.Contains(err.Error(), "retention: must be 0 (keep for ever) or at least 1h") {
		t.Fatalf("err = %v", err)
	}
}

func TestHelpForEveryCommand(t *testing.T) {
	for name := range commands() {
		e, out, _ := testEnv("", nil)
		if err := runEnv(context.Background(), e, []string{name, "--help"}); err != nil {
			t.Errorf("%s --help: %v", name, err)
		}
		if !strings.Contains(out.String(), "usage: canaryjudge "+name) {
			t.Errorf("%s --help printed %q", name, out.String())
		}
	}
}

// TestServeProcess runs the real binary on the embedded store: it answers
// health, readiness, metrics and the contract, and on SIGTERM finishes an
// in-flight request and exits 0 within 5 seconds.
func TestServeProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--log-format", "json")
	cmd.Env = append(os.Environ(), "DATABASE_URL=")
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	addr, warned := waitListening(t, stderr)
	if !warned {
		t.Error("no warning that the in-memory store loses data on exit")
	}
	base := "http://" + addr
	for _, p := range []string{"/healthz", "/readyz", "/openapi.yaml"} {
		if code, _ := get(t, base+p); code != 200 {
			t.Errorf("GET %s = %d", p, code)
		}
	}
	if _, body := get(t, base+"/metrics"); !strings.Contains(body, `canaryjudge_http_request_duration_seconds_count{code="200",method="GET",route="/healthz"} 1`) ||
		!strings.Contains(body, "go_goroutines") || !strings.Contains(body, "process_cpu_seconds_total") {
		t.Errorf("metrics lack the request histogram or Go/process collectors")
	}

	// Start a request and leave its body unfinished, so it is in flight.
	body := `{"metrics":[{"name":"latency","group":"latency","direction":"increase"}]}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /v1/services/inflight/policy HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:10])
	time.Sleep(300 * time.Millisecond)
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	fmt.Fprint(conn, body[10:])
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request was not completed: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Fatalf("in-flight request answered %d", resp.StatusCode)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v", err)
		}
	case <-time.After(5*time.Second - time.Since(sent)):
		t.Fatal("did not exit within 5s of SIGTERM")
	}
}

// buildBinary builds canaryjudge into the test's temporary directory.
func buildBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "canaryjudge")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

func waitListening(t *testing.T, r io.Reader) (addr string, warned bool) {
	t.Helper()
	sc := bufio.NewScanner(r)
	deadline := time.AfterFunc(20*time.Second, func() { t.Error("server did not log 'listening' within 20s") })
	defer deadline.Stop()
	for sc.Scan() {
		var line map[string]any
		if json.Unmarshal(sc.Bytes(), &line) != nil {
			continue
		}
		if m, _ := line["msg"].(string); strings.Contains(m, "in-memory store") {
			warned = true
		}
		if line["msg"] == "listening" {
			go io.Copy(io.Discard, r)
			return line["addr"].(string), warned
		}
	}
	t.Fatal("server exited before listening")
	return "", false
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestServeRefusesShortAdminToken: a bootstrap admin token too short to be
// a secret stops serve before it listens; a long enough one passes the
// check (and serve goes on to fail at the unreachable database).
func TestServeRefusesShortAdminToken(t *testing.T) {
	for tok, wantRefused := range map[string]bool{"hunter2": true, strings.Repeat("k", 31): true, strings.Repeat("k", 32): false} {
		e, _, _ := testEnv("", map[string]string{"CANARYJUDGE_ADMIN_TOKEN": tok,
			"DATABASE_URL": "postgres://nobody@127.0.0.1:1/canary?connect_timeout=1"})
		err := runEnv(context.Background(), e, []string{"serve", "--addr", "127.0.0.1:0"})
		refused := err != nil && strings.Contains(err.Error(), "CANARYJUDGE_ADMIN_TOKEN")
		if refused != wantRefused || err == nil {
			t.Errorf("admin token of %d characters: err = %v, want refused %v", len(tok), err, wantRefused)
		}
		if refused && strings.Contains(err.Error(), tok) {
			t.Errorf("the error repeats the token: %v", err)
		}
	}
}

// TestServeRefusesAuthWithoutAnyToken: with auth on, the in-memory store
// and no CANARYJUDGE_ADMIN_TOKEN nobody could ever get a token, so serve
// refuses to start and names the variable that seeds one; with it (or on
// loopback with --auth auto) serve starts.
func TestServeRefusesAuthWithoutAnyToken(t *testing.T) {
	for _, args := range [][]string{{"serve", "--addr", "0.0.0.0:0"}, {"serve", "--addr", "127.0.0.1:0", "--auth", "on"}} {
		e, _, _ := testEnv("", nil)
		err := runEnv(context.Background(), e, args)
		if err == nil || !strings.Contains(err.Error(), "CANARYJUDGE_ADMIN_TOKEN") || !strings.Contains(err.Error(), "no token can ever be had") {
			t.Errorf("%v: err = %v; want a refusal naming CANARYJUDGE_ADMIN_TOKEN", args, err)
		}
	}
	for _, c := range []struct {
		auth, memory, admin bool
		want                string
	}{
		{true, true, true, "CANARYJUDGE_ADMIN_TOKEN"},
		{true, false, false, "canaryjudge token create"},
		{false, true, false, ""},
	} {
		hint, err := tokenSource(serveConfig{Auth: "on", Addr: "0.0.0.0:8080"}, c.auth, c.memory, c.admin)
		if err != nil || !strings.Contains(hint, c.want) || (c.want == "" && hint != "") {
			t.Errorf("%+v: hint %q, %v; want it to say %q", c, hint, err, c.want)
		}
	}
}
