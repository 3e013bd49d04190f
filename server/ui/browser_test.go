package ui_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/canaryjudge/canaryjudge/internal/demo"
)

// chromium finds a Chromium to drive: skipped with the reason when there
// is none, except under CI=true, where a missing browser fails (CI
// installs it through scripts/deps.sh).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("CI=true but no chromium is installed (scripts/deps.sh installs the Debian package chromium)")
	}
	t.Skip("no chromium installed: `apt-get install chromium` to run the browser tests")
	return ""
}

// browser starts headless Chromium for t.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(chromium(t)), chromedp.NoSandbox,
		chromedp.DisableGPU, chromedp.WindowSize(1400, 1000))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelB := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelT(); cancelB(); cancelA() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// shot writes a full-page screenshot under the test's temp dir (or
// CANARYJUDGE_SCREENSHOT_DIR, to keep them) and prints its path.
func shot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the %s page: %s", name, path)
}

// TestBrowser signs in through the token form in headless Chromium, opens
// the release list, follows the link to the report of the release that
// escalated on its migration and was rolled back, finds a chart of every
// kind for every metric, follows a window link and the service link, and
// checks that the operator's "<script>" stayed text and the token cookie
// is out of reach of scripts.
func TestBrowser(t *testing.T) {
	ctx := browser(t)
	s := memSite(t, true)
	dir := os.Getenv("CANARYJUDGE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	do(t, ctx, "sign in",
		chromedp.Navigate(s.srv.URL+"/ui/"),
		chromedp.WaitVisible(chromedp.CSS(`#login`)),
		chromedp.SendKeys(chromedp.CSS(`#token`), adminToken),
		chromedp.Submit(chromedp.CSS(`#login`)),
		chromedp.WaitVisible(chromedp.CSS(`#filters`)),
	)
	if cookie := get(t, ctx, "document.cookie", chromedp.Evaluate[string](`document.cookie`)); strings.Contains(cookie, "canaryjudge_token") {
		t.Errorf("a script can read the token cookie: %q", cookie)
	}
	shot(t, ctx, dir, "releases")
	do(t, ctx, "follow the release link",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a.release-link[href="/ui/releases/%s"]`, s.story.RolledBack))),
		chromedp.WaitVisible(chromedp.CSS(`#migrations`)),
	)
	checkReport(t, ctx)
	shot(t, ctx, dir, "report")
	do(t, ctx, "follow the link to window 1",
		chromedp.Click(chromedp.CSS(`a.window-link[href$="window=1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`svg.chart.box[data-window="1"]`)),
	)
	if url := get(t, ctx, "location", chromedp.Location()); !strings.HasSuffix(url, "?window=1") {
		t.Errorf("at %s after the window link", url)
	}
	do(t, ctx, "follow the service link",
		chromedp.Click(chromedp.CSS(`#service-link`)),
		chromedp.WaitVisible(chromedp.CSS(`#triggers`)),
	)
	marks := get(t, ctx, "history marks", chromedp.Evaluate[int](`document.querySelectorAll("svg#history circle.score").length`))
	if want := len(s.story.Decisions) + 2; marks != want { // the story's windows and the baking release's two
		t.Errorf("%d marks in the verdict history, want %d", marks, want)
	}
	shot(t, ctx, dir, "service")
}

// checkReport asserts what the report shows once rendered by the browser.
func checkReport(t *testing.T, ctx context.Context) {
	t.Helper()
	title := get(t, ctx, "title", chromedp.Title())
	scripts := get(t, ctx, "scripts", chromedp.Evaluate[int](`document.querySelectorAll("script").length`))
	if strings.Contains(title, "pwned") || scripts != 0 {
		t.Errorf("title %q, %d script elements: the operator's <script> ran or became an element", title, scripts)
	}
	state := get(t, ctx, "state", chromedp.Text(chromedp.CSS(`#state`)))
	gate := get(t, ctx, "gate", chromedp.Text(chromedp.CSS(`#gate`)))
	if state != "rolled_back" || !strings.Contains(gate, "00042_drop_legacy_note is contract") {
		t.Errorf("state %q, gate %q", state, gate)
	}
	charts := get(t, ctx, "charts", chromedp.Evaluate[map[string]int](`(() => { const n = {};
		for (const s of document.querySelectorAll("svg.chart[data-metric]")) {
			const k = s.dataset.metric + " " + s.classList[1]; n[k] = (n[k] || 0) + 1 }
		return n })()`))
	for _, m := range []string{"errors", "latency_p99", "cpu"} {
		for _, kind := range []string{"box", "effect", "series"} {
			if charts[m+" "+kind] != 1 {
				t.Errorf("%s: %d %s charts, want 1 (all: %v)", m, charts[m+" "+kind], kind, charts)
			}
		}
	}
	// Each chart is drawn: its shapes have a size on screen.
	drawn := get(t, ctx, "drawn", chromedp.Evaluate[int](`[...document.querySelectorAll("svg.chart .interval, svg.chart .box")]
		.filter(e => e.getBoundingClientRect().width + e.getBoundingClientRect().height > 0).length`))
	if drawn < 9 {
		t.Errorf("%d intervals and boxes drawn with a size, want at least 9", drawn)
	}
	if reason := get(t, ctx, "override", chromedp.Text(chromedp.CSS(`tr.kind-override`))); !strings.Contains(reason, demo.Evil) {
		t.Errorf("the override line %q does not show the operator's words as text", reason)
	}
}

func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}
