#!/usr/bin/env bash
# Runs the README's curl walk-through (the sh block between its
# walkthrough markers), as written, against a running server: S (default
# localhost:8080), with CANARYJUDGE_TOKEN as the bearer token when set.
# Strict: it stops at the first HTTP error (curl --fail-with-body), the
# first command that fails, or a decision that never shows up.
# cmd/canaryjudge's TestWalkthrough runs it against a fresh server, so the
# README cannot drift from what the service does.
set -euo pipefail
cd "$(dirname "$0")/.."
block=$(sed -n '/<!-- walkthrough:begin -->/,/<!-- walkthrough:end -->/p' README.md | sed '/^<!--/d; /^```/d')
if [ -z "$block" ]; then
  echo "walkthrough: README.md has no walk-through block" >&2
  exit 1
fi
curl() {
  command curl --fail-with-body ${CANARYJUDGE_TOKEN:+-H "Authorization: Bearer $CANARYJUDGE_TOKEN"} "$@"
  echo
}
eval "$block"
echo "walkthrough: every command of the README's walk-through succeeded"
