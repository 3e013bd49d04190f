package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// serveConfig is built in three steps: defaults (with environment
// fallbacks), flags, validation that reports every problem at once.
type serveConfig struct {
	Addr            string
	DatabaseURL     string
	LogLevel        string
	LogFormat       string
	NoMigrate       bool
	ShutdownTimeout time.Duration
	MaxBodyBytes    int64
	Auth            string // on | off | auto
	SweepInterval   time.Duration
	AdminToken      string // CANARYJUDGE_ADMIN_TOKEN, checked for length only
	RequestTimeout  time.Duration
	Retention       server.Retention
}

func defaultServeConfig(e *env) serveConfig {
	return serveConfig{
		Addr:            envOr(e, "CANARYJUDGE_ADDR", "127.0.0.1:8080"),
		DatabaseURL:     envOr(e, "DATABASE_URL", ""),
		LogLevel:        envOr(e, "CANARYJUDGE_LOG_LEVEL", "info"),
		LogFormat:       envOr(e, "CANARYJUDGE_LOG_FORMAT", "text"),
		ShutdownTimeout: 20 * time.Second,
		MaxBodyBytes:    1 << 20,
		Auth:            envOr(e, "CANARYJUDGE_AUTH", "auto"),
		SweepInterval:   10 * time.Second,
		AdminToken:      envOr(e, "CANARYJUDGE_ADMIN_TOKEN", ""),
		RequestTimeout:  server.DefaultRequestTimeout,
		Retention:       server.Retention{Keys: 7 * 24 * time.Hour},
	}
}

// bind registers the flags shared by commands that talk to the database.
func (c *serveConfig) bind(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address (env CANARYJUDGE_ADDR)")
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "PostgreSQL URL; empty = in-memory store (env DATABASE_URL)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug|info|warn|error (env CANARYJUDGE_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text|json (env CANARYJUDGE_LOG_FORMAT)")
}

// bindServe registers serve's own flags.
func (c *serveConfig) bindServe(fs *flag.FlagSet) {
	fs.BoolVar(&c.NoMigrate, "no-migrate", false, "do not apply pending migrations at start")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", c.ShutdownTimeout, "how long in-flight requests may take to finish on shutdown")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", c.MaxBodyBytes, "request body limit in bytes")
	fs.StringVar(&c.Auth, "auth", c.Auth, "bearer-token auth: on|off|auto (auto: off only for the in-memory store on loopback) (env CANARYJUDGE_AUTH)")
	fs.DurationVar(&c.SweepInterval, "sweep-interval", c.SweepInterval, "how often to look for stuck rollbacks")
	fs.DurationVar(&c.RequestTimeout, "request-timeout", c.RequestTimeout, "bound on each API request's work; past it (a database that stopped answering) the answer is 503")
	fs.DurationVar(&c.Retention.Keys, "idempotency-ttl", c.Retention.Keys, "how long an Idempotency-Key's answer is replayed; 0 = for ever")
	fs.DurationVar(&c.Retention.Rows, "retention", c.Retention.Rows, "how long delivered or dead notifications (a report's pages) and Kayenta executions are kept; 0 = for ever. Releases, decisions and the audit log are always kept")
}

func (c serveConfig) validate() error {
	var problems []string
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		problems = append(problems, fmt.Sprintf("addr %q: must be host:port", c.Addr))
	}
	if _, ok := logLevels[strings.ToLower(c.LogLevel)]; !ok {
		problems = append(problems, fmt.Sprintf("log level %q: must be debug, info, warn or error", c.LogLevel))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		problems = append(problems, fmt.Sprintf("log format %q: must be text or json", c.LogFormat))
	}
	if c.ShutdownTimeout <= 0 {
		problems = append(problems, "shutdown timeout: must be positive")
	}
	if c.MaxBodyBytes <= 0 {
		problems = append(problems, "max body bytes: must be positive")
	}
	if c.Auth != "on" && c.Auth != "off" && c.Auth != "auto" {
		problems = append(problems, fmt.Sprintf("auth %q: must be on, off or auto", c.Auth))
	}
	if c.SweepInterval <= 0 {
		problems = append(problems, "sweep interval: must be positive")
	}
	if c.RequestTimeout <= 0 {
		problems = append(problems, "request timeout: must be positive")
	}
	if r := c.Retention; r.Keys < 0 || r.Rows < 0 || (r.Keys > 0 && r.Keys < time.Hour) || (r.Rows > 0 && r.Rows < time.Hour) {
		problems = append(problems, "idempotency-ttl and retention: must be 0 (keep for ever) or at least 1h")
	}
	if n := len(c.AdminToken); n > 0 && n < server.MinAdminTokenLength {
		problems = append(problems, fmt.Sprintf("CANARYJUDGE_ADMIN_TOKEN: %d characters is too short to be a secret; use at least %d (e.g. `openssl rand -base64 33`)",
			n, server.MinAdminTokenLength))
	}
	if len(problems) > 0 {
		return fmt.Errorf("invalid configuration: %s", strings.Join(problems, "; "))
	}
	return nil
}

var logLevels = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}

func (c serveConfig) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: logLevels[strings.ToLower(c.LogLevel)]}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// authEnabled resolves --auth: auto turns auth off only for the in-memory
// store listening on loopback, where nothing durable can be harmed.
func (c serveConfig) authEnabled(st any) (bool, error) {
	switch c.Auth {
	case "on":
		return true, nil
	case "off":
		return false, nil
	}
	host, _, _ := net.SplitHostPort(c.Addr)
	_, isMemory := st.(*memory.Store)
	return !(isMemory && isLoopback(host)), nil
}

// isLoopback reports whether host (a name or an IP) is this machine.
func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}
