// Package gctune sets the Go collector's default for a server that keeps
// its state in PostgreSQL.
//
// Such a server's live heap is small and does not grow with the data
// (about 7 MB while deciding 500 windows a second), so Go's default
// (collect when the heap has doubled) collects 25 times a second, and the
// collector is a tenth of the decision path's CPU. At 400 the heap may grow
// to five times what is live (about 35 MB) and the collector's share falls
// to a quarter of that (BenchmarkDecisionPath's gc_cpu_ms/decision: 0.19-
// 0.22 against 0.045-0.055). A server with the memory store keeps Go's
// default: its live heap is all its data, and five times that could be
// more than the machine has.
package gctune

import "runtime/debug"

// Percent is the collector's percent (GOGC) a PostgreSQL-backed server
// runs with when the operator has not set GOGC.
const Percent = 400

// Apply sets the collector's percent to Percent unless GOGC is set (the
// operator's word, as Go itself reads it at start, stands). It reports
// whether it set it.
func Apply(getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	debug.SetGCPercent(Percent)
	return true
}
