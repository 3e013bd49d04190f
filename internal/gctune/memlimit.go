package gctune

import (
	"math"
	"runtime/debug"
	"strconv"
	"strings"
)

// The heap GOGC=400 allows is five times what is live. Go does not look at
// a container's memory limit by itself, so a burst of large requests in a
// container could grow the heap past it and get the process killed. Where
// the operator has not set GOMEMLIMIT and the process runs under a cgroup
// memory limit, the soft limit is set below it, and the runtime collects
// harder as the heap nears it (as the Helm chart does with GOMEMLIMIT).

// LimitShare is the part of the cgroup's memory limit the Go runtime is
// held to: the rest is for memory the runtime does not count (the binary,
// thread stacks, the kernel's buffers).
const LimitShare = 0.9

// cgroupFiles are where cgroup v2 and v1 say the memory limit.
var cgroupFiles = []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"}

// ApplyMemoryLimit sets the runtime's soft memory limit to LimitShare of the
// cgroup's memory limit, read with readFile, unless GOMEMLIMIT is set or
// there is no limit. It returns the limit it set (0: none).
func ApplyMemoryLimit(getenv func(string) string, readFile func(string) ([]byte, error)) int64 {
	if getenv("GOMEMLIMIT") != "" {
		return 0
	}
	for _, f := range cgroupFiles {
		b, err := readFile(f)
		if err != nil {
			continue
		}
		limit, ok := cgroupLimit(string(b))
		if !ok {
			return 0
		}
		soft := int64(float64(limit) * LimitShare)
		debug.SetMemoryLimit(soft)
		return soft
	}
	return 0
}

// cgroupLimit reads a memory limit file: "max" (v2) or a number of bytes
// so large it is no limit (v1 writes one near 2^63) is none.
func cgroupLimit(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 || n >= math.MaxInt64/2 {
		return 0, false // "max", junk, or v1's "unlimited"
	}
	return n, true
}
