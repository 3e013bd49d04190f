// Package testclock is a settable clock for tests, the simulator and the
// embedded game day: the servers, engines and dispatchers they drive read
// Now from several goroutines while the caller moves synthetic time forward.
package testclock

import (
	"sync"
	"time"
)

// Clock stands still until Advance moves it. It is safe for concurrent use.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock reading t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// AdvanceTo moves the clock to t if t is later than its time; it never
// moves the clock back.
func (c *Clock) AdvanceTo(t time.Time) {
	c.mu.Lock()
	if t.After(c.t) {
		c.t = t
	}
	c.mu.Unlock()
}
