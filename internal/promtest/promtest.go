package promtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/proctest"
)

// Prometheus is a running prometheus process serving loaded data.
type Prometheus struct {
	URL string
	cmd *exec.Cmd
}

// Binaries finds promtool and prometheus. Without them a test skips,
// saying why, or fails under CI=true (CI installs them: scripts/deps.sh).
func Binaries(t testing.TB) (promtool, prometheus string) {
	t.Helper()
	b := proctest.Need(t, "needs Debian's prometheus package (promtool and prometheus on PATH; scripts/deps.sh installs it)", "promtool", "prometheus")
	return b[0], b[1]
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
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, proctest.Tail(out))
	}
	_ = os.Remove(om)
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\nscrape_configs: []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	p := proctest.Start(t, proctest.Spec{Name: "prometheus", Ready: "/-/ready", Within: 90 * time.Second,
		Command: func(addr string) (*exec.Cmd, error) {
			return exec.Command(prom, "--config.file="+cfg, "--storage.tsdb.path="+tsdb, "--web.listen-address="+addr,
				"--storage.tsdb.retention.time=36500d", "--log.level=warn", "--query.max-concurrency=64"), nil
		}})
	return &Prometheus{URL: p.URL, cmd: p.Cmd}
}

// Pid is prometheus's process id (benchmarks read its CPU time).
func (p *Prometheus) Pid() int { return p.cmd.Process.Pid }
