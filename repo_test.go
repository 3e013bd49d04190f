package canaryjudge

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// The compose file's shape; .ci/run also validates it with
// `docker-compose config`.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]struct {
			Image       string            `json:"image"`
			Build       any               `json:"build"`
			Ports       []string          `json:"ports"`
			Environment map[string]string `json:"environment"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("docker-compose.yml does not parse: %v", err)
	}
	pg, app, prom := doc.Services["postgres"], doc.Services["canaryjudge"], doc.Services["prometheus"]
	if !strings.HasPrefix(pg.Image, "postgres:15") {
		t.Errorf("postgres image = %q, want postgres:15", pg.Image)
	}
	if app.Build == nil || !contains(app.Ports, "8080:8080") || prom.Image == "" || !contains(prom.Ports, "9090:9090") {
		t.Errorf("services: canaryjudge must build from the Dockerfile on 8080, prometheus on 9090: %+v %+v", app, prom)
	}
	readme := readFile(t, "README.md")
	for k := range app.Environment {
		if !strings.Contains(readme, k) {
			t.Errorf("compose sets %s, which README.md does not document", k)
		}
	}
	if !strings.Contains(app.Environment["DATABASE_URL"], "@postgres:5432/") {
		t.Errorf("canaryjudge's DATABASE_URL does not point at the postgres service: %q", app.Environment["DATABASE_URL"])
	}
	if !strings.Contains(readFile(t, "deploy/prometheus.yml"), "canaryjudge:8080") {
		t.Error("prometheus does not scrape canaryjudge:8080")
	}
}

// TestDockerfile: the image builds offline (FROM scratch, nothing to pull)
// from the binary scripts/image.sh builds, the one place the build lives;
// compose uses that same image and Dockerfile.
func TestDockerfile(t *testing.T) {
	df := readFile(t, "Dockerfile")
	froms := regexp.MustCompile(`(?m)^FROM\s+(\S+)`).FindAllStringSubmatch(df, -1)
	if len(froms) != 1 || froms[0][1] != "scratch" {
		t.Errorf("Dockerfile FROM lines = %v, want exactly one FROM scratch (no registry here)", froms)
	}
	for _, want := range []string{"COPY bin/canaryjudge /canaryjudge", "USER 65534:65534", `ENTRYPOINT ["/canaryjudge"]`, `CMD ["serve"]`} {
		if !strings.Contains(df, want) {
			t.Errorf("Dockerfile lacks %q", want)
		}
	}
	if strings.Contains(df, "RUN ") {
		t.Error("Dockerfile runs commands: the build belongs to scripts/image.sh")
	}
	ign := readFile(t, ".dockerignore")
	if !strings.Contains(ign, "*") || !strings.Contains(ign, "!bin/canaryjudge") {
		t.Errorf(".dockerignore must send only bin/canaryjudge: %q", ign)
	}
	img := readFile(t, "scripts/image.sh")
	for _, want := range []string{"CGO_ENABLED=1", "-tags netgo,osusergo", "-linkmode external -extldflags -static", "-o bin/canaryjudge ./cmd/canaryjudge", "docker build"} {
		if !strings.Contains(img, want) {
			t.Errorf("scripts/image.sh lacks %q", want)
		}
	}
	var doc struct {
		Services map[string]struct {
			Image string `json:"image"`
			Build struct {
				Context    string `json:"context"`
				Dockerfile string `json:"dockerfile"`
			} `json:"build"`
		} `json:"services"`
	}
	if err := yaml.Unmarshal([]byte(readFile(t, "docker-compose.yml")), &doc); err != nil {
		t.Fatal(err)
	}
	app := doc.Services["canaryjudge"]
	if app.Image != "canaryjudge:dev" || app.Build.Context != "." || app.Build.Dockerfile != "Dockerfile" {
		t.Errorf("compose's canaryjudge must use scripts/image.sh's image (canaryjudge:dev) and the Dockerfile: %+v", app)
	}
	if !strings.Contains(readFile(t, ".ci/run"), "docker-compose") {
		t.Error(".ci/run must validate docker-compose.yml")
	}
}

// TestReadmeMatchesCI: the README shows the very command CI runs.
func TestReadmeMatchesCI(t *testing.T) {
	ci, readme := readFile(t, ".ci/run"), readFile(t, "README.md")
	if !strings.Contains(ci, "scripts/test.sh") || !strings.Contains(readme, "scripts/test.sh") {
		t.Error("README.md and .ci/run must both run scripts/test.sh")
	}
	if !strings.Contains(readFile(t, "scripts/test.sh"), "go test -race -count=1") {
		t.Error("scripts/test.sh must run go test -race -count=1")
	}
	if !strings.Contains(readme, "go run ./cmd/canaryjudge serve") {
		t.Error("README.md must show how to run the service on the embedded store")
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
