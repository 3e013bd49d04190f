#!/usr/bin/env bash
# Runs the README's curl walk-through (the sh block between its
# walkthrough markers), as written, against a running server: S (default
# localhost:8080), with TOKEN (or CANARYJUDGE_TOKEN) as the bearer token
# when auth is on. Strict: it stops at the first command that fails (an
# HTTP error shows its problem+json) or a decision that never shows up.
# internal/docstest runs the same block in CI on the in-memory store and
# on PostgreSQL with auth on, and this script against a fresh server.
set -euo pipefail
cd "$(dirname "$0")/.."
block=$(sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' README.md | sed '/^<!--/d; /^```/d')
if [ -z "$block" ]; then
  echo "walkthrough: README.md has no walk-through block" >&2
  exit 1
fi
TOKEN=${TOKEN:-${CANARYJUDGE_TOKEN:-}}
eval "$block"
echo "walkthrough: every command of the README's walk-through succeeded"
