package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"golang.org/x/sync/errgroup"

	"github.com/canaryjudge/canaryjudge"
	"github.com/canaryjudge/canaryjudge/internal/gctune"
	"github.com/canaryjudge/canaryjudge/notify"
	"github.com/canaryjudge/canaryjudge/server"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

func cmdServe(ctx context.Context, e *env, args []string) error {
	cfg := defaultServeConfig(e)
	fs := newFlags(e, "serve", "serve [flags]")
	cfg.bind(fs)
	cfg.bindServe(fs)
	notifyOpts := notify.Options{Timeout: notify.DefaultTimeout, Concurrency: notify.DefaultConcurrency}
	fs.DurationVar(&notifyOpts.Timeout, "notify-timeout", notifyOpts.Timeout, "how long one delivery attempt to one notify sink may take")
	fs.IntVar(&notifyOpts.Concurrency, "notify-concurrency", notifyOpts.Concurrency, "how many notify sinks this replica delivers to at once")
	runs := runsConfig{}
	runs.bind(fs)
	if help, err := parseFlags(e, fs, args); help || err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("serve: unexpected argument %q", fs.Arg(0))
	}
	if err := cfg.validate(); err != nil {
		return asUsage(err)
	}
	if err := runs.validate(); err != nil {
		return asUsage(err)
	}
	static, err := loadSources(runs.SourcesFile)
	if err != nil {
		return err
	}
	if notifyOpts.Timeout <= 0 || notifyOpts.Concurrency < 1 || notifyOpts.Concurrency > 256 {
		return usageError("--notify-timeout must be positive and --notify-concurrency from 1 to 256")
	}
	log := cfg.logger(e.stderr)

	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()

	auth, err := cfg.authEnabled(st)
	if err != nil {
		return err
	}
	if !auth {
		log.Warn("authentication is OFF: anyone who can reach " + cfg.Addr + " can change releases, freezes and policies")
	}
	var adminHash []byte
	if tok := e.getenv("CANARYJUDGE_ADMIN_TOKEN"); tok != "" {
		adminHash = server.HashToken(tok)
	}
	_, isMemory := st.(*memory.Store)
	if !isMemory && gctune.Apply(e.getenv) {
		log.Info("garbage collector: GOGC=" + strconv.Itoa(gctune.Percent) + ", the default with PostgreSQL (its heap stays small); set GOGC to change it")
	}
	if soft := gctune.ApplyMemoryLimit(e.getenv, os.ReadFile); soft > 0 {
		log.Info("garbage collector: soft memory limit "+strconv.FormatInt(soft>>20, 10)+" MiB, 90 % of the container's; set GOMEMLIMIT to change it", "bytes", soft)
	}
	tokenHint, err := tokenSource(cfg, auth, isMemory, adminHash != nil)
	if err != nil {
		return err
	}
	if auth && !isMemory && adminHash == nil {
		log.Info("authentication is on: every request needs a bearer token; make one with `canaryjudge token create --name NAME --scope admin` (same DATABASE_URL)")
	}
	if !sqlcheck.Available {
		log.Warn("built without cgo: PostgreSQL's parser is not linked, so every migration's SQL is classified unknown and escalates")
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	classifier, closeParsers := parserPool(log, reg)
	defer closeParsers()
	h := server.New(server.Config{MaxBodyBytes: cfg.MaxBodyBytes, OpenAPI: canaryjudge.OpenAPI, Version: version,
		Auth: auth, AdminTokenHash: adminHash, RequestTimeout: cfg.RequestTimeout, Retention: cfg.Retention, TokenHint: tokenHint},
		server.Deps{Store: st, Logger: log, Registry: reg, Classifier: classifier, Backends: backends, StaticSources: static})
	// Registered after st.Close, so it runs first: the workers are joined
	// before the store they use is closed.
	notifyOpts.Logger, notifyOpts.Registerer = log, reg
	stopBG := background(h, notify.New(st, notifyOpts), cfg.SweepInterval)
	defer stopBG()
	// Scheduled runs; stopped before the other background work and the store.
	runs.Logger, runs.Registry, runs.Backends, runs.Static = log, reg, backends, static
	defer startRuns(h, st, runs.Options)()

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.Addr, err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	log.Info("listening", "addr", ln.Addr().String(), "version", version)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("shutdown: in-flight requests did not finish within %s: %w", cfg.ShutdownTimeout, err)
	}
	log.Info("stopped")
	return nil
}

// background runs the stuck-rollback sweeper and the outbox dispatcher until
// the returned stop is called; stop cancels them and waits until both have
// returned (deliveries in flight are cut short and left due).
func background(h *server.Server, d *notify.Dispatcher, sweepEvery time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	var g errgroup.Group
	g.Go(func() error { h.RunSweeper(ctx, sweepEvery); return nil })
	g.Go(func() error { return d.Run(ctx) })
	return func() {
		cancel()
		_ = g.Wait() // both return nil once cancelled
	}
}

// openStore picks PostgreSQL when a URL is configured, else the embedded
// in-memory store.
func openStore(ctx context.Context, cfg serveConfig, log *slog.Logger) (store.Full, error) {
	if cfg.DatabaseURL == "" {
		log.Warn("DATABASE_URL is not set: using the in-memory store; all data is lost when the process exits")
		return memory.New(), nil
	}
	pg, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	if cfg.NoMigrate {
		return pg, nil
	}
	m, err := pg.Migrator()
	if err != nil {
		pg.Close()
		return nil, err
	}
	defer m.Close()
	n, err := m.Up(ctx)
	if err != nil {
		pg.Close()
		return nil, err
	}
	log.Info("database ready", "migrations_applied", n)
	return pg, nil
}

var errNoDatabase = errors.New("DATABASE_URL (or --database-url) is required")
