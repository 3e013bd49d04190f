#!/usr/bin/env bash
# Installs what the test suite needs and a fresh Debian machine lacks:
# PostgreSQL server binaries (the tests start a throwaway cluster from them),
# Prometheus (source/prometheus's end-to-end tests), a C compiler for cgo and
# Chromium (the web UI's browser tests).
# Safe to run again; does nothing when everything is present.
set -euo pipefail

need=()
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# Scheduled runs are tested end to end against a real Prometheus (and
# promtool loads its data).
command -v promtool >/dev/null && command -v prometheus >/dev/null || need+=(prometheus)
# The metric source backends are tested against real servers: InfluxDB
# 1.x, VictoriaMetrics, and graphite-web over whisper (graphite-carbon).
command -v influxd >/dev/null || need+=(influxdb)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
[ -f /usr/lib/python3/dist-packages/graphite/settings.py ] || need+=(graphite-web)
/usr/bin/python3 -c 'import whisper' 2>/dev/null || need+=(graphite-carbon)
# sqlcheck links PostgreSQL's parser (libpg_query) through cgo.
command -v gcc >/dev/null || need+=(gcc libc6-dev)
# internal/docstest runs every shell block of the docs (bash and curl).
command -v curl >/dev/null || need+=(curl)
# server/ui's browser tests drive headless Chromium (chromedp).
command -v chromium >/dev/null || command -v chromium-browser >/dev/null || need+=(chromium)
# .ci/run validates docker-compose.yml with it.
command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || need+=(docker-compose)

if ((${#need[@]})); then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "deps: installing ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
