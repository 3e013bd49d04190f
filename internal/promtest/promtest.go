package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// Prometheus is a running prometheus process serving loaded data.
type Prometheus struct {
	URL string
	cmd *exec.Cmd
	out *bytes.Buffer
}

// Binaries finds promtool and prometheus. Without them a test skips,
// saying why, or fails under CI=true (CI installs them: scripts/deps.sh).
func Binaries(t testing.TB) (promtool, prometheus string) {
	t.Helper()
	var err1, err2 error
	promtool, err1 = exec.LookPath("promtool")
	prometheus, err2 = exec.LookPath("prometheus")
	if err1 != nil || err2 != nil {
		msg := "needs Debian's prometheus package (promtool and prometheus on PATH; scripts/deps.sh installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return promtool, prometheus
}

// Start writes d as OpenMetrics, loads it into a fresh TSDB with promtool
// and starts prometheus over it on a random loopback port. It returns once
// prometheus answers ready; the process stops when the test ends.
func Start(t testing.TB, d Data) *Prometheus {
	t.Helper()
	promtool, prom := Binaries(t)
	dir := t.TempDir()
	om := filepath.Join(dir, "data.om.txt")
	f, err := os.Create(om)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.WriteOpenMetrics(f); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	tsdb := filepath.Join(dir, "tsdb")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", om, tsdb).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, tail(out))
	}
	_ = os.Remove(om)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before prometheus binds it
		p, err := launch(prom, cfg, tsdb)
		if err == nil {
			t.Cleanup(p.Stop)
			return p
		}
		lastErr = err
	}
	t.Fatalf("prometheus did not start: %v", lastErr)
	return nil
}

func launch(prom, cfg, tsdb string) (*Prometheus, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := &Prometheus{URL: "http://" + addr, out: &bytes.Buffer{}}
	p.cmd = exec.Command(prom, "--config.file="+cfg, "--storage.tsdb.path="+tsdb, "--web.listen-address="+addr,
		"--storage.tsdb.retention.time=36500d", "--log.level=warn", "--query.max-concurrency=64")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := p.cmd.Start(); err != nil {
		return nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- p.cmd.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return nil, fmt.Errorf("prometheus exited (%v):\n%s", err, tail(p.out.Bytes()))
		case <-ctx.Done():
			_ = p.cmd.Process.Kill()
			return nil, fmt.Errorf("prometheus not ready within 90s:\n%s", tail(p.out.Bytes()))
		case <-time.After(50 * time.Millisecond):
		}
		if ready(ctx, p.URL) {
			go func() { <-exited }() // reap once stopped
			return p, nil
		}
	}
}

// ready asks prometheus's readiness endpoint.
func ready(ctx context.Context, url string) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/-/ready", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// Stop kills prometheus.
func (p *Prometheus) Stop() {
	if p.cmd.Process != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
}

// Pid is prometheus's process id (benchmarks read its CPU time).
func (p *Prometheus) Pid() int { return p.cmd.Process.Pid }

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func tail(b []byte) string {
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}
