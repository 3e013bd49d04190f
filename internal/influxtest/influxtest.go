// Package influxtest runs a real InfluxDB 1.x (Debian's influxdb package)
// for tests: a fresh data directory, random loopback ports, ready when
// /ping answers, stopped when the test ends.
package influxtest

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/proctest"
)

// Start starts influxd and creates database db. Without the binary the
// test skips, or fails under CI=true (scripts/deps.sh installs it).
func Start(t testing.TB, db string) string {
	t.Helper()
	bin := proctest.Need(t, "needs Debian's influxdb package (influxd on PATH; scripts/deps.sh installs it)", "influxd")[0]
	p := proctest.Start(t, proctest.Spec{Name: "influxd", Ready: "/ping", Status: http.StatusNoContent,
		Command: func(addr string) (*exec.Cmd, error) {
			rpc, err := proctest.FreePort()
			if err != nil {
				return nil, err
			}
			dir := t.TempDir()
			cmd := exec.Command(bin, "-config", "/dev/null")
			cmd.Env = append(os.Environ(), "INFLUXDB_REPORTING_DISABLED=true",
				"INFLUXDB_META_DIR="+filepath.Join(dir, "meta"), "INFLUXDB_DATA_DIR="+filepath.Join(dir, "data"),
				"INFLUXDB_DATA_WAL_DIR="+filepath.Join(dir, "wal"), "INFLUXDB_HTTP_BIND_ADDRESS="+addr,
				"INFLUXDB_BIND_ADDRESS=127.0.0.1:"+strconv.Itoa(rpc), "INFLUXDB_DATA_QUERY_LOG_ENABLED=false",
				"INFLUXDB_HTTP_LOG_ENABLED=false", "INFLUXDB_LOGGING_LEVEL=error", "INFLUXDB_DATA_WAL_FSYNC_DELAY=0s")
			return cmd, nil
		}})
	if err := Exec(p.URL, "", "CREATE DATABASE "+strconv.Quote(db)); err != nil {
		t.Fatal(err)
	}
	return p.URL
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
