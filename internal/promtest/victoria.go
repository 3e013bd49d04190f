package promtest

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/proctest"
)

// StartVictoria starts a real VictoriaMetrics (Debian's victoria-metrics
// package) on a random loopback port over a fresh storage directory,
// imports d through its /api/v1/import/prometheus endpoint and flushes it
// so queries see it. It returns the base URL, which speaks Prometheus's
// query API; the process stops when the test ends. Without the binary the
// test skips, or fails under CI=true (scripts/deps.sh installs it).
func StartVictoria(t testing.TB, d Data) string {
	t.Helper()
	bin := proctest.Need(t, "needs Debian's victoria-metrics package (scripts/deps.sh installs it)", "victoria-metrics")[0]
	p := proctest.Start(t, proctest.Spec{Name: "victoria-metrics", Ready: "/health",
		Command: func(addr string) (*exec.Cmd, error) {
			return exec.Command(bin, "-storageDataPath="+t.TempDir(), "-httpListenAddr="+addr, "-retentionPeriod=100y",
				"-search.latencyOffset=0s", "-search.disableCache", "-loggerLevel=ERROR"), nil
		}})
	if err := importVictoria(p.URL, d); err != nil {
		t.Fatalf("victoria-metrics import: %v", err)
	}
	return p.URL
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
