package testclock

import (
	"sync"
	"testing"
	"time"
)

// Readers on other goroutines see every advance (run with -race).
func TestAdvanceWhileRead(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	c := New(t0)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 100 {
				if got := c.Now(); got.Before(t0) || got.After(t0.Add(100*time.Second)) {
					t.Errorf("Now() = %v, outside [t0, t0+100s]", got)
				}
			}
		})
	}
	for range 100 {
		c.Advance(time.Second)
	}
	wg.Wait()
	if got := c.Now(); !got.Equal(t0.Add(100 * time.Second)) {
		t.Fatalf("after 100 advances of 1s: %v, want %v", got, t0.Add(100*time.Second))
	}
}

// AdvanceTo moves forward only: an earlier time leaves the clock where it is.
func TestAdvanceToNeverMovesBack(t *testing.T) {
	t0 := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	c := New(t0)
	c.AdvanceTo(t0.Add(time.Minute))
	c.AdvanceTo(t0.Add(30 * time.Second))
	if got := c.Now(); !got.Equal(t0.Add(time.Minute)) {
		t.Fatalf("Now() = %v, want %v", got, t0.Add(time.Minute))
	}
}
