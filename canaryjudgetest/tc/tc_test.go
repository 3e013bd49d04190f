package tc_test

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/canaryjudgetest/tc"
	"github.com/canaryjudge/canaryjudge/internal/dockertest"
)

// No registry is reachable here: Ryuk's image cannot be pulled, so the
// reaper is off and every test terminates what it starts. The tests run
// inside a container themselves (/.dockerenv), where testcontainers would
// reach published ports through the default gateway: they are on this
// machine's loopback, so the host is set to 127.0.0.1.
func TestMain(m *testing.M) {
	os.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	if os.Getenv("TESTCONTAINERS_HOST_OVERRIDE") == "" {
		os.Setenv("TESTCONTAINERS_HOST_OVERRIDE", "127.0.0.1")
	}
	os.Exit(m.Run())
}

// image builds canaryjudge's image with the repository's own script, once.
func image(t *testing.T) string {
	t.Helper()
	requireDocker(t)
	return dockertest.Script(t, "scripts/image.sh", "canaryjudge:tc-test")
}

func TestRunMemoryStoreJudgesARelease(t *testing.T) {
	c := tc.RunT(t, image(t))
	judgeBadRelease(t, canaryjudgetest.Remote(c.URL, c.AdminToken))
	if r := canaryjudgetest.Remote(c.URL, "").Do(t, "GET", "/v1/releases", nil); r.Status != 401 {
		t.Fatalf("the container must run with authentication on: GET without a token = %d", r.Status)
	}
}

// On PostgreSQL (an image built from this machine's own PostgreSQL by
// scripts/pgimage.sh, on a network of the test's own): a release judged
// by one container is there for the next one started on the same database.
func TestRunPostgresKeepsReleasesAcrossContainers(t *testing.T) {
	img := image(t)
	pgImage := dockertest.Script(t, "scripts/pgimage.sh")
	ctx := t.Context()
	nw, err := network.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = nw.Remove(context.Background()) })
	pg, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{Started: true,
		ContainerRequest: testcontainers.ContainerRequest{Image: pgImage, ExposedPorts: []string{"5432/tcp"},
			Networks: []string{nw.Name}, NetworkAliases: map[string][]string{nw.Name: {"postgres"}},
			WaitingFor: wait.ForListeningPort("5432/tcp").WithStartupTimeout(time.Minute)}})
	if pg != nil {
		t.Cleanup(func() { _ = pg.Terminate(context.Background()) })
	}
	if err != nil {
		t.Fatal(err)
	}
	opts := []tc.Option{tc.WithNetwork(nw.Name),
		tc.WithDatabaseURL("postgres://postgres@postgres:5432/postgres?sslmode=disable&connect_timeout=5")}
	first := tc.RunT(t, img, opts...)
	id := judgeBadRelease(t, canaryjudgetest.Remote(first.URL, first.AdminToken))
	if err := first.Stop(ctx, nil); err != nil {
		t.Fatal(err)
	}
	second := tc.RunT(t, img, opts...)
	var got struct {
		Release struct{ State string }
	}
	canaryjudgetest.Remote(second.URL, second.AdminToken).MustDo(t, 200, "GET", "/v1/releases/"+id, nil).Decode(t, &got)
	if got.Release.State != "rolled_back" {
		t.Fatalf("release %s on the second container: state %q, want rolled_back", id, got.Release.State)
	}
}

// judgeBadRelease runs a release whose canary fails its critical error
// ratio through the API: rollback to the baseline, reported done.
func judgeBadRelease(t *testing.T, cj *canaryjudgetest.Server) string {
	t.Helper()
	cj.MustDo(t, 201, "PUT", "/v1/services/checkout/policy", `{"metrics":[{"name":"error_ratio","group":"errors",
	  "direction":"increase","critical":true,"ceiling":0.05}],
	  "windows":{"interval":"1m","min_windows":3,"min_bake":"10m","consecutive_failures":2,"consecutive_nodata":3},
	  "guards":{"rollback_cap":{"per_service":3,"fleet":10,"window":"1h"},"rollback_timeout":"10m","migrations":"expand_only"}}`)
	var rel struct{ ID string }
	cj.MustDo(t, 201, "POST", "/v1/releases", `{"service":"checkout","version":"v2","baseline_version":"v1"}`).Decode(t, &rel)
	var out struct {
		Decision struct {
			Action, Reason string
			RollbackTo     string `json:"rollback_to"`
		}
	}
	cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/analyses", `{
	  "canary":{"error_ratio":[0.09,0.11,0.1,0.12,0.08,0.1,0.11,0.09,0.1,0.1]},
	  "baseline":{"error_ratio":[0.001,0,0.002,0.001,0,0.001,0.001,0,0.002,0.001]}}`).Decode(t, &out)
	if out.Decision.Action != "rollback" || out.Decision.RollbackTo != "v1" {
		t.Fatalf("decision %+v, want rollback to v1 (critical ceiling)", out.Decision)
	}
	for _, ev := range []string{"rollback_started", "rollback_completed"} {
		cj.MustDo(t, 200, "POST", "/v1/releases/"+rel.ID+"/events", `{"type":"`+ev+`"}`)
	}
	return rel.ID
}

func requireDocker(t *testing.T) {
	t.Helper()
	out, err := exec.Command("docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err == nil {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI=true and no Docker engine answers: %v: %s", err, out)
	}
	t.Skipf("no Docker engine answers: %v: %s", err, out)
}
