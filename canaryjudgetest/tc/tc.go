// Package tc is a testcontainers-go module for canaryjudge: Run starts the
// canaryjudge container image (built locally by canaryjudge's
// scripts/image.sh; nothing is pulled) on the embedded memory store, or on
// PostgreSQL when given a database URL, waits until /readyz answers, and
// returns its address and admin token.
//
// It is a separate Go module so that canaryjudge's own module does not
// depend on testcontainers and Docker's client. Where no registry is
// reachable, Ryuk (testcontainers' reaper, an image of its own) cannot be
// pulled: set TESTCONTAINERS_RYUK_DISABLED=true and terminate the
// container yourself (RunT does it in t.Cleanup). When the test itself runs
// in a container, testcontainers reaches published ports through the
// default gateway; where they are on the local loopback instead, set
// TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1.
package tc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"
)

// DefaultImage is the tag scripts/image.sh builds when given none.
const DefaultImage = "canaryjudge:dev"

// Container is a running canaryjudge.
type Container struct {
	testcontainers.Container
	// URL is the base address reachable from the test ("http://host:port").
	URL string
	// AdminToken is the bootstrap admin bearer token the server accepts.
	AdminToken string
}

// Option configures Run.
type Option func(*config)

type config struct {
	env      map[string]string
	networks []string
	aliases  map[string][]string
	timeout  time.Duration
}

// WithDatabaseURL runs canaryjudge on PostgreSQL (the URL must be
// reachable from inside the container, e.g. through WithNetwork); it
// applies its migrations at start. Without it the memory store is used.
func WithDatabaseURL(url string) Option { return WithEnv("DATABASE_URL", url) }

// WithAdminToken sets the bootstrap admin token (at least 32 characters);
// by default a random one is made.
func WithAdminToken(token string) Option { return WithEnv("CANARYJUDGE_ADMIN_TOKEN", token) }

// WithEnv sets one environment variable of the server (see canaryjudge's
// README for every CANARYJUDGE_* setting).
func WithEnv(key, value string) Option { return func(c *config) { c.env[key] = value } }

// WithNetwork attaches the container to a Docker network, with aliases.
func WithNetwork(name string, aliases ...string) Option {
	return func(c *config) {
		c.networks = append(c.networks, name)
		c.aliases[name] = aliases
	}
}

// WithStartupTimeout bounds the wait for /readyz (default 60 s).
func WithStartupTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

// Run starts image and waits until it is ready. The caller terminates it.
func Run(ctx context.Context, image string, opts ...Option) (*Container, error) {
	c := config{env: map[string]string{"CANARYJUDGE_LOG_LEVEL": "warn"}, aliases: map[string][]string{}, timeout: time.Minute}
	for _, o := range opts {
		o(&c)
	}
	if c.env["CANARYJUDGE_ADMIN_TOKEN"] == "" {
		var b [24]byte
		_, _ = rand.Read(b[:])
		c.env["CANARYJUDGE_ADMIN_TOKEN"] = "tc_" + hex.EncodeToString(b[:])
	}
	req := testcontainers.ContainerRequest{
		Image:          image,
		ExposedPorts:   []string{"8080/tcp"},
		Env:            c.env,
		Networks:       c.networks,
		NetworkAliases: c.aliases,
		WaitingFor:     wait.ForHTTP("/readyz").WithPort("8080/tcp").WithStartupTimeout(c.timeout),
	}
	ctr, err := testcontainers.GenericContainer(ctx, testcontainers.GenericContainerRequest{ContainerRequest: req, Started: true})
	if err != nil {
		if ctr != nil {
			_ = ctr.Terminate(context.WithoutCancel(ctx))
		}
		return nil, fmt.Errorf("start canaryjudge from %s (built by scripts/image.sh?): %w", image, err)
	}
	url, err := ctr.PortEndpoint(ctx, "8080/tcp", "http")
	if err != nil {
		_ = ctr.Terminate(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("address of the canaryjudge container: %w", err)
	}
	return &Container{Container: ctr, URL: url, AdminToken: c.env["CANARYJUDGE_ADMIN_TOKEN"]}, nil
}

// RunT is Run for a test: it fails t when the container does not start,
// and terminates the container (printing its logs when t failed) when t
// ends.
func RunT(t testing.TB, image string, opts ...Option) *Container {
	t.Helper()
	c, err := Run(t.Context(), image, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if t.Failed() {
			if rc, err := c.Logs(ctx); err == nil {
				buf := make([]byte, 8<<10)
				n, _ := rc.Read(buf)
				t.Logf("canaryjudge container logs:\n%s", buf[:n])
				rc.Close()
			}
		}
		if err := c.Terminate(ctx); err != nil {
			t.Errorf("terminate the canaryjudge container: %v", err)
		}
	})
	return c
}
