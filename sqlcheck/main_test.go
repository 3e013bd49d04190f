package sqlcheck

import (
	"flag"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

// workerEnv makes the test binary a Pool worker (testWorker): "1" with
// the default limits, "nolimits" with none, so that a test can reach a
// real crash of PostgreSQL's parser in the child.
const workerEnv = "SQLCHECK_TEST_WORKER"

// TestMain starts PostgreSQL for the tests that check the classifier's
// claims on a real server (TestTypeChangesOnPostgres), or serves as a
// Pool worker when started as one.
func TestMain(m *testing.M) {
	switch os.Getenv(workerEnv) {
	case "":
	case "nolimits":
		workerLimits = Limits{}
		fallthrough
	default:
		if err := ServeWorker(os.Stdin, os.Stdout); err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	if slices.ContainsFunc(os.Args, func(a string) bool { return strings.HasPrefix(a, "-test.fuzzworker") }) {
		// A fuzzing worker: the coordinator kills it at will, which would
		// orphan a cluster (and its open pipes would hang the coordinator).
		// Fuzzing uses the memory store only (fuzzing()).
		os.Exit(m.Run())
	}
	pgtest.Main(m)
}

// fuzzing reports whether this run is fuzzing (go test -fuzz), not
// replaying the seed corpus.
func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

// testPool is a Pool whose workers are this test binary; stack is the
// workers' stack limit in KiB (0: inherited), limits nil for the default.
func testPool(t testing.TB, stack int, limits *Limits, o PoolOptions) *Pool {
	t.Helper()
	mode := "1"
	if limits != nil {
		mode = "nolimits"
	}
	o.Argv = []string{os.Args[0]}
	if stack > 0 {
		o.Argv = []string{"/bin/sh", "-c", "ulimit -s " + itoa(stack) + " && exec \"$0\"", os.Args[0]}
	}
	o.Env, o.Limits = []string{workerEnv + "=" + mode}, limits
	p := NewPool(o)
	t.Cleanup(func() { _ = p.Close() })
	return p
}
