// Package graphitetest runs a real Graphite for tests: Debian's
// graphite-web (its render API, under Django's server) over whisper files
// and a tag database that load.py fills the way carbon would (Debian's
// graphite-carbon ships the whisper module and the storage layout). It
// starts on a random loopback port over a fresh directory, ready when the
// render API answers, and stops when the test ends.
package graphitetest

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/proctest"
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
		proctest.Missing(t, "needs Debian's graphite-web and graphite-carbon packages (scripts/deps.sh installs them)")
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
		t.Fatalf("loading graphite: %v\n%s", err, proctest.Tail(out))
	}
	p := proctest.Start(t, proctest.Spec{Name: "graphite-web", Ready: "/metrics/find?query=*", Poll: 100 * time.Millisecond,
		Command: func(addr string) (*exec.Cmd, error) {
			cmd := exec.Command(python, "-m", "django", "runserver", "--noreload", addr)
			cmd.Env = env
			return cmd, nil
		}})
	return p.URL
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
