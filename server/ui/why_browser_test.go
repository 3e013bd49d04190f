package ui_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/canaryjudge/canaryjudge/internal/demo"
)

// firstScreen is the height of the first screen the tests look at.
const firstScreen = 900

// whereJS finds each needle (a string, or a regexp when it starts with
// "/") in the page's text and says whether it is drawn within the first
// screen: "ok", "below the first screen ...", "cut off ..." or "missing".
const whereJS = `((needles) => needles.map(n => {
	const re = n.startsWith("/") ? new RegExp(n.slice(1)) : null;
	const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
	for (let node; (node = w.nextNode());) {
		const t = node.textContent;
		const m = re ? re.exec(t) : (t.includes(n) ? {index: t.indexOf(n), 0: n} : null);
		if (!m) continue;
		const r = document.createRange();
		r.setStart(node, m.index); r.setEnd(node, m.index + m[0].length);
		const b = [...r.getClientRects()].pop() || r.getBoundingClientRect();
		if (b.width === 0) continue;
		if (b.bottom > innerHeight) return "below the first screen (bottom " + Math.round(b.bottom) + ")";
		if (b.right > innerWidth + 1 || b.left < 0) return "cut off (" + Math.round(b.left) + ".." + Math.round(b.right) + ")";
		return "ok";
	}
	return "missing";
}))(%s)`

// TestWhyScreenshots opens the reports of the rolled-back, the escalated
// (migration) and the halted release in headless Chromium at 1400 and
// 760 px wide: the decisive metrics, an effect with its interval and the
// windows' start-end times are drawn within the first screen (900 px),
// nothing makes the page wider than the window, and no Go formatting is
// in the HTML. The screenshots (first screen and full page) stay in
// CANARYJUDGE_SCREENSHOT_DIR when it is set.
func TestWhyScreenshots(t *testing.T) {
	ctx := browser(t)
	s, cases := outcomesSite(t, false)
	dir := os.Getenv("CANARYJUDGE_SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	for _, width := range []int64{1400, 760} {
		for _, c := range cases {
			name := fmt.Sprintf("why-%s-%d", c.name, width)
			do(t, ctx, name, chromedp.EmulateViewport(width, firstScreen), chromedp.Navigate(s.srv.URL+"/ui/releases/"+c.id),
				chromedp.WaitVisible(chromedp.CSS(`#decisive`)))
			needles := append(append([]string{c.lead, `/\d+\.\d+ \[\d+\.\d+, \d+\.\d+\] in window 3`}, c.metrics...), c.windows...)
			arg, _ := json.Marshal(needles)
			where := get(t, ctx, name+": where", chromedp.Evaluate[[]string](fmt.Sprintf(whereJS, arg)))
			for i, w := range where {
				if w != "ok" {
					t.Errorf("%s: %q is %s", name, needles[i], w)
				}
			}
			wide := get(t, ctx, name+": width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
			if wide > int(width) {
				t.Errorf("%s: the page is %d px wide in a %d px window", name, wide, width)
			}
			htmlText := get(t, ctx, name+": html", chromedp.Evaluate[string](`document.documentElement.outerHTML`))
			if bad := rawGo(htmlText); len(bad) > 0 {
				t.Errorf("%s: Go formatting in the page: %q", name, bad)
			}
			screen, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(dir, name+"-first-screen.png")
			if err := os.WriteFile(path, screen, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", path)
			shot(t, ctx, dir, name)
		}
	}
	// The service page and the release list fit a 760 px window too.
	for _, path := range []string{"/ui/services/" + demo.OtherService, "/ui/"} {
		do(t, ctx, path, chromedp.EmulateViewport(760, firstScreen), chromedp.Navigate(s.srv.URL+path), chromedp.WaitVisible(chromedp.CSS(`main`)))
		if wide := get(t, ctx, path+": width", chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); wide > 760 {
			t.Errorf("%s is %d px wide in a 760 px window", path, wide)
		}
		shot(t, ctx, dir, "why-"+strings.Trim(strings.ReplaceAll(path, "/", "-"), "-")+"-760")
	}
	if t.Failed() {
		t.Logf("screenshots in %s: %s", dir, strings.Join(names(cases), ", "))
	}
}

func names(cs []outcome) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}
