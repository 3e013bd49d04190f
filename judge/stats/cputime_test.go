package stats

import (
	"os"
	"strconv"
	"strings"
	"time"
)

// threadCPU is the CPU time the calling OS thread has run, from Linux's
// /proc/thread-self/schedstat (its first field, in ns); 0 where there is no
// such file. Benchmarks on a shared machine report it beside wall time:
// other jobs stretch ns/op but hardly this. (judge/ may not import
// syscall, so no getrusage.)
func threadCPU() time.Duration {
	b, err := os.ReadFile("/proc/thread-self/schedstat")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0
	}
	ns, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return 0
	}
	return time.Duration(ns)
}
