# Prints every failing test of a `go test -v` log with its own output.
# go test -v streams a test's lines between "=== RUN/CONT/NAME Test" and
# its "--- FAIL: Test" line, so the messages come before the verdict; this
# keeps each test's lines until its verdict and prints them after a FAIL
# (at most 40 a test), so a CI log shows why, not only what, failed.
/^=== (RUN|CONT|NAME|PAUSE)/ { cur = $3; next }
/^[ \t]*--- (PASS|SKIP|FAIL)/ {
  name = $3
  if ($2 == "FAIL:") {
    print
    for (i = 1; i <= n[name] && i <= 40; i++) print "    " buf[name, i]
    if (n[name] > 40) print "    ... (" n[name] - 40 " more lines in the log)"
  }
  for (i = 1; i <= n[name]; i++) delete buf[name, i]
  delete n[name]
  next
}
/^(ok|FAIL|PASS)/ { cur = ""; next }
cur != "" { n[cur]++; buf[cur, n[cur]] = $0 }
