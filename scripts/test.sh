#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: installs missing test
# dependencies, then `go test -race -count=1 ./...` (verbose into a log),
# then the simulation tables and the sequences' coverage (sim, built without -race:
# under the race detector it would take minutes), printing package
# results, failures, skips and a closing count.
# Extra arguments go to `go test` (e.g. scripts/test.sh -run TestX).
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh || exit 1

log=$(mktemp -t canaryjudge-test.XXXXXX.log)
go test -race -count=1 -v "$@" ./... >"$log" 2>&1
status=$?
if [ "$#" -eq 0 ]; then
  go test -count=1 -v -timeout 30m -run '^(TestSimulationTable|TestSequentialAgainstDefault|TestSequenceCoverage|TestRatioFamilyTable|TestPooledEstimateIsUnbiased)$' ./sim/ >>"$log" 2>&1 || status=1
fi
# Modules of their own (so the main module does not depend on Docker's
# client or Kubernetes): the testcontainers module and the real-client tests.
for mod in canaryjudgetest/tc integrations/clienttest; do
  [ -f "$mod/go.mod" ] || continue
  (cd "$mod" && go test -race -count=1 -v "$@" ./...) >>"$log" 2>&1 || status=1
done
# The Helm chart's tests (Helm's SDK renders it; single-threaded, so no -race: it would only recompile Kubernetes).
(cd deploy/helm/charttest && go test -count=1 -v "$@" ./...) >>"$log" 2>&1 || status=1

# Package lines, skips with their reasons, and the lines our harnesses
# print to show what really ran (pgtest databases, Kayenta acceptance,
# the documentation's shell blocks).
grep -E '^(ok|FAIL|panic:|pgtest:|kayenta|docs:)|^\?' "$log"
# (a top-level test prints its reason before its SKIP line, a subtest after)
grep -E -B1 -A1 '^\s*--- SKIP' "$log" | grep -vE '^(=== |--$)|--- (PASS|FAIL)'
# Failures with their messages (printed before the verdict under -v), and
# panics with the lines that follow them.
awk -f scripts/failures.awk "$log"
grep -E -A12 '^panic:' "$log"

passed=$(grep -cE '^\s*--- PASS' "$log")
failed=$(grep -cE '^\s*--- FAIL' "$log")
skipped=$(grep -cE '^\s*--- SKIP' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "go test exited $status without a failing test (build error or panic); full log: $log"
  grep -E '^(#|go: |\S+\.go:[0-9]+:[0-9]+: )' "$log" | head -40
fi
echo "full log: $log"
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
