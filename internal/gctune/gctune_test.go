package gctune

import (
	"runtime/debug"
	"testing"
)

// current reads the collector's percent (setting it back at once).
func current() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestApply(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })

	if !Apply(func(string) string { return "" }) || current() != Percent {
		t.Errorf("GOGC unset: percent %d, want %d", current(), Percent)
	}
	debug.SetGCPercent(150) // what Go made of GOGC=150 at start
	env := map[string]string{"GOGC": "150"}
	if Apply(func(k string) string { return env[k] }) || current() != 150 {
		t.Errorf("GOGC=150: percent %d, want 150 left as it was", current())
	}
	env["GOGC"] = "off"
	debug.SetGCPercent(-1)
	if Apply(func(k string) string { return env[k] }) || current() != -1 {
		t.Errorf("GOGC=off: percent %d, want -1 left as it was", current())
	}
}
