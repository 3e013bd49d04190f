// Package proctest runs a real server binary for a test (Prometheus,
// VictoriaMetrics, InfluxDB, graphite-web): on a free loopback port, ready
// when its readiness URL answers, killed with the test process, stopped
// when the test ends.
package proctest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Need finds each of bins on PATH. Without one the test skips with msg,
// or fails under CI=true (scripts/deps.sh installs them).
func Need(t testing.TB, msg string, bins ...string) []string {
	t.Helper()
	out := make([]string, len(bins))
	for i, b := range bins {
		p, err := exec.LookPath(b)
		if err != nil {
			Missing(t, msg)
		}
		out[i] = p
	}
	return out
}

// Missing skips the test with msg, or fails it under CI=true.
func Missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// Spec is a server to start.
type Spec struct {
	Name string // in messages
	// Command is the server listening on addr (127.0.0.1:port); it may
	// ask for more ports (FreePort).
	Command func(addr string) (*exec.Cmd, error)
	Ready   string        // the path that answers Status once ready
	Status  int           // 0: 200
	Within  time.Duration // 0: 60 s
	Poll    time.Duration // 0: 50 ms
}

// Proc is a started server.
type Proc struct {
	URL string
	Cmd *exec.Cmd
}

// Start starts s and returns it once ready; it stops when t ends. A port
// picked free may be taken before the server binds it, so it tries three
// times.
func Start(t testing.TB, s Spec) *Proc {
	t.Helper()
	var lastErr error
	for range 3 {
		p, stop, err := launch(s)
		if err == nil {
			t.Cleanup(stop)
			return p
		}
		lastErr = err
	}
	t.Fatalf("%s did not start: %v", s.Name, lastErr)
	return nil
}

func launch(s Spec) (*Proc, func(), error) {
	port, err := FreePort()
	if err != nil {
		return nil, nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	cmd, err := s.Command(addr)
	if err != nil {
		return nil, nil, err
	}
	out := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited }
	p := &Proc{URL: "http://" + addr, Cmd: cmd}
	within, poll, status := or(s.Within, 60*time.Second), or(s.Poll, 50*time.Millisecond), s.Status
	if status == 0 {
		status = http.StatusOK
	}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return nil, nil, fmt.Errorf("%s exited (%v):\n%s", s.Name, err, Tail(out.Bytes()))
		case <-ctx.Done():
			_ = cmd.Process.Kill()
			<-exited
			return nil, nil, fmt.Errorf("%s did not answer %s within %s:\n%s", s.Name, s.Ready, within, Tail(out.Bytes()))
		case <-time.After(poll):
		}
		if answers(ctx, p.URL+s.Ready, status) {
			return p, stop, nil
		}
	}
}

func or(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func answers(ctx context.Context, url string, status int) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == status
}

// FreePort is a loopback port free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Tail is the last 4,000 bytes of a process's output.
func Tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
