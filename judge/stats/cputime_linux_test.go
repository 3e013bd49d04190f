package stats

import (
	"syscall"
	"time"
)

// threadCPU is the CPU time the calling OS thread has used (user + system).
// Benchmarks on a shared machine report it beside wall time: other jobs
// stretch ns/op but hardly this.
func threadCPU() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1 // RUSAGE_THREAD
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
