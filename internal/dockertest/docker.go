// Package dockertest runs canaryjudge as containers, the way it is
// deployed: two replicas built from scripts/image.sh (a static binary in a
// FROM scratch image) on one PostgreSQL built from this machine's own
// PostgreSQL by scripts/pgimage.sh. No registry is needed: every image is
// built locally. The tests skip, saying why, when no Docker engine
// answers.
//
// Networks: PostgreSQL is alone on an --internal network ("db"); each
// replica is on a "front" network (where the test reaches it) and on "db".
// `docker network disconnect db <replica>` cuts that replica off from the
// database while it stays reachable: the test sees what it answers.
package dockertest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireDocker skips t unless a Docker engine answers.
func requireDocker(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("dockertest: no docker command: " + err.Error())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", "version", "--format", "{{.Server.Version}}").CombinedOutput()
	if err != nil {
		t.Skipf("dockertest: no Docker engine answers: %v: %s", err, strings.TrimSpace(string(out)))
	}
	if bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres"); len(bins) == 0 {
		t.Skip("dockertest: no PostgreSQL under /usr/lib/postgresql to build the database image from (scripts/deps.sh installs it)")
	}
}

// dk runs a docker command and returns its trimmed output.
func dk(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// dkQuiet runs a cleanup command, ignoring failures.
func dkQuiet(args ...string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_ = exec.CommandContext(ctx, "docker", args...).Run()
}

// Script runs one of the repository's scripts (name is relative to the
// repository root, e.g. scripts/image.sh) and returns its last line (the
// image tag). The root is the nearest directory above the test's own that
// holds name, so the test may live in any package, nested modules too.
func Script(t testing.TB, name string, args ...string) string {
	t.Helper()
	root := repoRoot(t, name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", append([]string{filepath.Join(root, name)}, args...)...)
	cmd.Dir, cmd.Stderr = root, os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v: %s", name, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// repoRoot is the nearest directory, from the working directory up, that
// holds the file name.
func repoRoot(t testing.TB, name string) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return dir
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatalf("no %s in any directory above the test's", name)
		}
		dir = up
	}
}

// ipOn returns a container's address on a network.
func ipOn(t *testing.T, container, network string) string {
	t.Helper()
	return dk(t, "inspect", "-f", fmt.Sprintf(`{{(index .NetworkSettings.Networks %q).IPAddress}}`, network), container)
}

// removeOnCleanup removes containers (printing their logs when t failed)
// and then networks.
func removeOnCleanup(t *testing.T, networks []string, containers ...*string) {
	t.Cleanup(func() {
		for _, c := range containers {
			if *c == "" {
				continue
			}
			if t.Failed() && exec.Command("docker", "inspect", *c).Run() == nil {
				out, _ := exec.Command("docker", "logs", "--tail", "40", *c).CombinedOutput()
				t.Logf("logs of %s:\n%s", *c, out)
			}
			dkQuiet("rm", "-f", *c)
		}
		for _, n := range networks {
			dkQuiet("network", "rm", n)
		}
	})
}
