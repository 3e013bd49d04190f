package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// StartVictoria starts a real VictoriaMetrics (Debian's victoria-metrics
// package) on a random loopback port over a fresh storage directory,
// imports d through its /api/v1/import/prometheus endpoint and flushes it
// so queries see it. It returns the base URL, which speaks Prometheus's
// query API; the process stops when the test ends. Without the binary the
// test skips, or fails under CI=true (scripts/deps.sh installs it).
func StartVictoria(t testing.TB, d Data) string {
	t.Helper()
	bin, err := exec.LookPath("victoria-metrics")
	if err != nil {
		msg := "needs Debian's victoria-metrics package (scripts/deps.sh installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before it binds
		url, stop, err := launchVictoria(bin, t.TempDir())
		if err == nil {
			t.Cleanup(stop)
			if err := importVictoria(url, d); err != nil {
				t.Fatalf("victoria-metrics import: %v", err)
			}
			return url
		}
		lastErr = err
	}
	t.Fatalf("victoria-metrics did not start: %v", lastErr)
	return ""
}

func launchVictoria(bin, dir string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	out := &bytes.Buffer{}
	cmd := exec.Command(bin, "-storageDataPath="+dir, "-httpListenAddr="+addr, "-retentionPeriod=100y",
		"-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited }
	url := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("victoria-metrics exited (%v):\n%s", err, tail(out.Bytes()))
		case <-ctx.Done():
			stop()
			return "", nil, fmt.Errorf("victoria-metrics not healthy within 60s:\n%s", tail(out.Bytes()))
		case <-time.After(50 * time.Millisecond):
		}
		if get(ctx, url+"/health") == nil {
			return url, stop, nil
		}
	}
}

func importVictoria(url string, d Data) error {
	var buf bytes.Buffer
	if err := d.WritePrometheusText(&buf); err != nil {
		return err
	}
	resp, err := http.Post(url+"/api/v1/import/prometheus", "text/plain", &buf)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("import: %s", resp.Status)
	}
	return get(context.Background(), url+"/internal/force_flush")
}

func get(ctx context.Context, url string) error {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", url, resp.Status)
	}
	return nil
}
