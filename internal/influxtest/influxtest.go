// Package influxtest runs a real InfluxDB 1.x (Debian's influxdb package)
// for tests: a fresh data directory, random loopback ports, ready when
// /ping answers, stopped when the test ends.
package influxtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Start starts influxd and creates database db. Without the binary the
// test skips, or fails under CI=true (scripts/deps.sh installs it).
func Start(t testing.TB, db string) string {
	t.Helper()
	bin, err := exec.LookPath("influxd")
	if err != nil {
		msg := "needs Debian's influxdb package (influxd on PATH; scripts/deps.sh installs it)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before it binds
		u, stop, err := launch(bin, t.TempDir())
		if err == nil {
			t.Cleanup(stop)
			if err := Exec(u, "", "CREATE DATABASE "+strconv.Quote(db)); err != nil {
				t.Fatal(err)
			}
			return u
		}
		lastErr = err
	}
	t.Fatalf("influxd did not start: %v", lastErr)
	return ""
}

func launch(bin, dir string) (string, func(), error) {
	http1, err1 := freePort()
	rpc, err2 := freePort()
	if err1 != nil || err2 != nil {
		return "", nil, fmt.Errorf("no free port: %v %v", err1, err2)
	}
	addr := "127.0.0.1:" + strconv.Itoa(http1)
	out := &bytes.Buffer{}
	cmd := exec.Command(bin, "-config", "/dev/null")
	cmd.Env = append(os.Environ(), "INFLUXDB_REPORTING_DISABLED=true",
		"INFLUXDB_META_DIR="+filepath.Join(dir, "meta"), "INFLUXDB_DATA_DIR="+filepath.Join(dir, "data"),
		"INFLUXDB_DATA_WAL_DIR="+filepath.Join(dir, "wal"), "INFLUXDB_HTTP_BIND_ADDRESS="+addr,
		"INFLUXDB_BIND_ADDRESS=127.0.0.1:"+strconv.Itoa(rpc), "INFLUXDB_DATA_QUERY_LOG_ENABLED=false",
		"INFLUXDB_HTTP_LOG_ENABLED=false", "INFLUXDB_LOGGING_LEVEL=error", "INFLUXDB_DATA_WAL_FSYNC_DELAY=0s")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop := func() { _ = cmd.Process.Signal(syscall.SIGTERM); <-exited }
	u := "http://" + addr
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		select {
		case err := <-exited:
			return "", nil, fmt.Errorf("influxd exited (%v):\n%s", err, tail(out.Bytes()))
		case <-ctx.Done():
			stop()
			return "", nil, fmt.Errorf("influxd did not answer /ping within 60s:\n%s", tail(out.Bytes()))
		case <-time.After(50 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/ping", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusNoContent {
				return u, stop, nil
			}
		}
	}
}

// Exec runs an InfluxQL statement (e.g. CREATE DATABASE) on db.
func Exec(base, db, q string) error {
	resp, err := http.PostForm(base+"/query", url.Values{"q": {q}, "db": {db}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: %s", q, resp.Status)
	}
	return nil
}

// Write writes line protocol to db (precision ms), in batches.
func Write(base, db string, lines []string) error {
	for len(lines) > 0 {
		n := min(len(lines), 5000)
		resp, err := http.Post(base+"/write?precision=ms&db="+url.QueryEscape(db), "text/plain", strings.NewReader(strings.Join(lines[:n], "\n")))
		if err != nil {
			return err
		}
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			return fmt.Errorf("write: %s: %s", resp.Status, b.String())
		}
		lines = lines[n:]
	}
	return nil
}

// Tag escapes a tag key or value for line protocol (comma, equals sign
// and space take a backslash).
func Tag(s string) string {
	return strings.NewReplacer(`,`, `\,`, `=`, `\=`, ` `, `\ `).Replace(s)
}

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
