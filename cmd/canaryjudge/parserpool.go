package main

import (
	"context"
	"log/slog"
	"os"
	"runtime"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/sqlcheck"
)

// parserWorkerEnv marks a worker process (`canaryjudge migrations worker`)
// for test binaries, which cannot take that subcommand as arguments.
const parserWorkerEnv = "CANARYJUDGE_PARSER_WORKER"

// parserPool isolates PostgreSQL's parser for serve: migrations are
// classified in worker processes (this same binary, `canaryjudge migrations
// worker`), so a fault in the parser's C code ends a worker, never the
// server. Without its own executable or without cgo it falls back to the
// in-process classifier (whose limits still apply) and says so.
func parserPool(log *slog.Logger, reg prometheus.Registerer) (engine.MigrationClassifier, func()) {
	exe, err := os.Executable()
	if err != nil || !sqlcheck.Available {
		log.Warn("classifying migrations in-process: a parser fault would end the server", "error", err)
		return sqlcheck.Classifier{}, func() {}
	}
	p := sqlcheck.NewPool(sqlcheck.PoolOptions{Argv: []string{exe, "migrations", "worker"},
		Env: []string{parserWorkerEnv + "=1"}, Size: runtime.GOMAXPROCS(0)})
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "canaryjudge_parser_faults_total",
		Help: "Migrations on which a parser worker process died or ran out of time (answered unknown / parser-fault)."},
		func() float64 { return float64(p.Faults()) }))
	return p, func() { _ = p.Close() }
}

// migrationsWorker is the worker side: one JSON request per line on stdin,
// one answer per line on stdout, until stdin ends.
func migrationsWorker(_ context.Context, e *env, _ []string) error {
	return sqlcheck.ServeWorker(e.stdin, e.stdout)
}
