// Package graphitetest runs a real Graphite for tests: Debian's
// graphite-web (its render API, under Django's server) over whisper files
// and a tag database that load.py fills the way carbon would (Debian's
// graphite-carbon ships the whisper module and the storage layout). It
// starts on a random loopback port over a fresh directory, ready when the
// render API answers, and stops when the test ends.
package graphitetest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
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

//go:embed load.py
var loader []byte

// python is Debian's interpreter, which has graphite-web's modules (a
// pyenv or virtualenv python3 earlier on PATH does not).
const python = "/usr/bin/python3"

// Series is one tagged series to load: points are [unix seconds, value].
type Series struct {
	Name   string            `json:"name"`
	Tags   map[string]string `json:"tags"`
	Points [][2]float64      `json:"points"`
}

// Start loads series (one point per step, kept for keep) and starts
// graphite-web over them; it returns the base URL. Without graphite-web
// the test skips, or fails under CI=true (scripts/deps.sh installs it).
func Start(t testing.TB, series []Series, step, keep time.Duration) string {
	t.Helper()
	if _, err := os.Stat("/usr/lib/python3/dist-packages/graphite/settings.py"); err != nil {
		msg := "needs Debian's graphite-web and graphite-carbon packages (scripts/deps.sh installs them)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	dir := t.TempDir()
	env := settings(t, dir)
	data := filepath.Join(dir, "data.json")
	b, _ := json.Marshal(series)
	script := filepath.Join(dir, "load.py")
	if os.WriteFile(data, b, 0o644) != nil || os.WriteFile(script, loader, 0o644) != nil {
		t.Fatal("cannot write the loader's files")
	}
	cmd := exec.Command(python, script, data, strconv.Itoa(int(step.Seconds())), strconv.Itoa(int(keep/step)))
	cmd.Env = env
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("loading graphite: %v\n%s", err, tail(out))
	}
	var lastErr error
	for range 3 { // a port picked free may be taken before it binds
		u, stop, err := launch(env)
		if err == nil {
			t.Cleanup(stop)
			return u
		}
		lastErr = err
	}
	t.Fatalf("graphite-web did not start: %v", lastErr)
	return ""
}

// settings writes a settings module for graphite-web under dir and
// returns the environment that selects it.
func settings(t testing.TB, dir string) []string {
	s := fmt.Sprintf(`SECRET_KEY = 'canaryjudge-tests'
ALLOWED_HOSTS = ['*']
STORAGE_DIR = %[1]q
WHISPER_DIR = %[1]q + '/whisper'
STANDARD_DIRS = [%[1]q + '/whisper']
INDEX_FILE = %[1]q + '/index'
LOG_DIR = %[1]q + '/log'
LOG_RENDERING_PERFORMANCE = False
LOG_CACHE_PERFORMANCE = False
TAGDB = 'graphite.tags.localdatabase.LocalDatabaseTagDB'
DATABASES = {'default': {'NAME': %[1]q + '/graphite.db', 'ENGINE': 'django.db.backends.sqlite3'}}
FUNCTION_PLUGINS = []
`, filepath.Join(dir, "storage"))
	for _, d := range []string{"storage/whisper", "storage/log/webapp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "cj_graphite_settings.py"), []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return append(os.Environ(), "PYTHONPATH="+dir, "GRAPHITE_SETTINGS_MODULE=cj_graphite_settings",
		"DJANGO_SETTINGS_MODULE=graphite.settings", "PYTHONDONTWRITEBYTECODE=1")
}

func launch(env []string) (string, func(), error) {
	port, err := freePort()
	if err != nil {
		return "", nil, err
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	out := &bytes.Buffer{}
	cmd := exec.Command(python, "-m", "django", "runserver", "--noreload", addr)
	cmd.Env, cmd.Stdout, cmd.Stderr = env, out, out
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
			return "", nil, fmt.Errorf("graphite-web exited (%v):\n%s", err, tail(out.Bytes()))
		case <-ctx.Done():
			stop()
			return "", nil, fmt.Errorf("graphite-web not answering within 60s:\n%s", tail(out.Bytes()))
		case <-time.After(100 * time.Millisecond):
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u+"/metrics/find?query=*", nil)
		if resp, err := http.DefaultClient.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return u, stop, nil
			}
		}
	}
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
