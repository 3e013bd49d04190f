package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	neturl "net/url"
	"os/exec"
	"testing"
	"time"

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
	want := sampleLines(buf.Bytes())
	resp, err := http.Post(url+"/api/v1/import/prometheus", "text/plain", &buf)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("import: %s", resp.Status)
	}
	return awaitSamples(url, d, want)
}

// sampleLines counts the samples of a Prometheus text exposition.
func sampleLines(b []byte) int {
	n := 0
	for _, l := range bytes.Split(b, []byte("\n")) {
		if len(l) > 0 && l[0] != '#' {
			n++
		}
	}
	return n
}

// awaitSamples flushes VictoriaMetrics's buffers until every imported
// sample reads back through /api/v1/export (a flush makes the data
// searchable, but a loaded machine may need more than one), or fails
// after 30 s with how many it saw.
func awaitSamples(url string, d Data, want int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got := 0
	for {
		if err := get(ctx, url+"/internal/force_flush"); err != nil {
			return fmt.Errorf("force_flush: %w (%d of %d samples visible)", err, got, want)
		}
		var err error
		if got, err = exported(ctx, url, d); err == nil && got == want {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d imported samples visible after 30 s (last error %v)", got, want, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// exported counts the samples /api/v1/export returns over d's span.
func exported(ctx context.Context, url string, d Data) (int, error) {
	q := neturl.Values{"match[]": {`{__name__=~".+"}`},
		"start": {fmt.Sprint(d.Start.Add(-time.Hour).Unix())}, "end": {fmt.Sprint(d.End.Add(time.Hour).Unix())}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url+"/api/v1/export?"+q.Encode(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("export: %s", resp.Status)
	}
	n, dec := 0, json.NewDecoder(resp.Body)
	for {
		var line struct{ Values []json.RawMessage }
		if err := dec.Decode(&line); err == io.EOF {
			return n, nil
		} else if err != nil {
			return n, err
		}
		n += len(line.Values)
	}
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
