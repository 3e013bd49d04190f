//go:build !linux

package stats

import "time"

// threadCPU is not measured off Linux.
func threadCPU() time.Duration { return 0 }
