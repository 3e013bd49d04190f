#!/usr/bin/env bash
# bench-decisions.sh: the decision path against pgbench TPC-B, in one run on
# one PostgreSQL (a cluster of the benchmark's own, as the tests start, but
# with PostgreSQL's durability defaults: fsync, full-page writes and
# synchronous commit on; PGTEST_DURABLE=0 runs it as the tests do), and the
# README's performance rows from it.
#
#   scripts/bench-decisions.sh              # N=2000 COUNT=1 scripts/bench-decisions.sh
#
# BenchmarkDecisionPath: 8 clients, 10 metrics x 60 points per side, releases
# of 3-4 windows that end and start again. BenchmarkDecisionPathLong: the same
# at windows 248 and later of releases that never end (the cost must not grow
# with the release). Each runs in mode default and mode sequential, and runs
# pgbench TPC-B (8 clients, 15 s) on the same server just before it is timed.
# CPU is the server's (the benchmark's process, with the collector's percent
# `canaryjudge serve` runs with on PostgreSQL; its clients run in a process
# of their own, reported apart), with the collector's share and the bytes
# the server allocates beside it; others' is the rest of the machine's busy
# time over the same run, PostgreSQL's above all. Stored is the tables'
# growth on disk, row versions vacuum will reclaim included; live rows is
# what stays (pgstattuple, when it can be installed).
# Needs PostgreSQL's binaries (initdb, pg_ctl, pgbench) and Go. Raw output is
# kept in $OUT (default bench-decisions.txt) for benchstat.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${N:-2000}"
COUNT="${COUNT:-1}"
OUT="${OUT:-bench-decisions.txt}"
export PGTEST_DURABLE="${PGTEST_DURABLE:-1}"
go test -run '^$' -bench 'DecisionPath' -benchtime "${N}x" -count "$COUNT" -timeout 60m ./server/ | tee "$OUT"

echo
echo "| benchmark | decisions/s | pgbench TPC-B tps | ratio | p50 ms | p99 ms | server CPU ms/decision | of it the collector's | server allocates KB/decision | clients' CPU ms/decision | others' CPU ms/decision | stored B/decision | of it live rows B/decision |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
awk '/^BenchmarkDecisionPath/ {
  name=$1; sub(/-[0-9]+$/, "", name); sub(/^Benchmark/, "", name)
  for (i = 3; i < NF; i++) v[$(i+1)] = $i
  ratio = v["pgbench_tpcb_tps"] > 0 ? sprintf("%.0f %%", 100 * v["decisions/s"] / v["pgbench_tpcb_tps"]) : "-"
  printf "| %s | %.0f | %.0f | %s | %.1f | %.1f | %.2f | %.3f | %.0f | %.2f | %.2f | %.0f | %.0f |\n", name, v["decisions/s"], v["pgbench_tpcb_tps"], ratio, v["p50_ms"], v["p99_ms"], v["cpu_ms/decision"], v["gc_cpu_ms/decision"], v["alloc_KB/decision"], v["clients_cpu_ms/decision"], v["others_cpu_ms/decision"], v["stored_B/decision"], v["live_B/decision"]
  delete v
}' "$OUT"
