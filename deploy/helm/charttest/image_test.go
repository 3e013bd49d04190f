package charttest

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"helm.sh/helm/v4/pkg/chart/v2/loader"
)

// TestImageIsTheBuiltOne: the chart runs the image scripts/image.sh builds
// (its repository, with the chart's appVersion as the tag), and that
// script stamps the binary's version (main.version, which `canaryjudge
// version` prints) from $VERSION.
func TestImageIsTheBuiltOne(t *testing.T) {
	script, err := os.ReadFile(repoRoot + "scripts/image.sh")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`tag="\$\{1:-([^:"]+):[^"]*\}"`).FindSubmatch(script)
	if m == nil {
		t.Fatalf("scripts/image.sh: no default tag (tag=\"${1:-REPO:TAG}\")")
	}
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	if repo := chrt.Values["image"].(map[string]any)["repository"]; repo != string(m[1]) {
		t.Errorf("values image.repository %v, but scripts/image.sh builds %s", repo, m[1])
	}
	for _, want := range []string{`version="${VERSION:-`, `-X main.version=${version}`} {
		if !strings.Contains(string(script), want) {
			t.Errorf("scripts/image.sh no longer contains %s: the chart's appVersion could not be stamped into the binary", want)
		}
	}
	app := chrt.Metadata.AppVersion
	c := deployment(t, mustRender(t, "")).Spec.Template.Spec.Containers[0]
	if c.Image != string(m[1])+":"+app {
		t.Errorf("image %s, want %s:%s (the appVersion)", c.Image, m[1], app)
	}
	readme, err := os.ReadFile(repoRoot + "README.md")
	if err != nil {
		t.Fatal(err)
	}
	if build := "VERSION=" + app + " scripts/image.sh " + string(m[1]) + ":" + app; !strings.Contains(string(readme), build) {
		t.Errorf("README.md does not say how to build the chart's image: %s", build)
	}
}

// TestAppVersionIsTheBinarys: building cmd/canaryjudge as scripts/image.sh
// does with VERSION=<appVersion> gives a binary whose `version` prints the
// appVersion. (Only the link step differs from the build CI has already
// cached; the first run on a cold cache compiles PostgreSQL's parser.)
func TestAppVersionIsTheBinarys(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: builds cmd/canaryjudge")
	}
	chrt, err := loader.Load(chartDir)
	if err != nil {
		t.Fatal(err)
	}
	app := chrt.Metadata.AppVersion
	bin := filepath.Join(t.TempDir(), "canaryjudge")
	build := exec.Command(goTool(t), "build", "-o", bin, "-ldflags", "-X main.version="+app, "./cmd/canaryjudge")
	build.Dir = repoRoot
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "canaryjudge "+app {
		t.Errorf("canaryjudge version: %q (%v), want \"canaryjudge %s\"", out, err, app)
	}
}

func goTool(t *testing.T) string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if p := filepath.Join(os.Getenv("GOROOT"), "bin", "go"); os.Getenv("GOROOT") != "" {
		return p
	}
	t.Fatal("no go tool on PATH")
	return ""
}
