package gameday

import (
	"context"
	"fmt"
	"time"

	"github.com/canaryjudge/canaryjudge/internal/testclock"
)

// Clock is how server time passes for a scenario.
type Clock interface {
	// Reach makes sure the server's clock has reached t before a window
	// ending at t is sent (a server refuses windows from the future).
	Reach(ctx context.Context, t time.Time) error
	// Pass lets d of server time go by and then waits, at most Bound
	// longer, until done reports true (the server's sweeper acted). It
	// returns the server time that passed.
	Pass(ctx context.Context, d time.Duration, done func(context.Context) (bool, error)) (time.Duration, error)
	// Bound is how long to wait for asynchronous work (a sweep, a
	// notification delivery) before calling it missing.
	Bound() time.Duration
}

// RealClock is a deployment's clock: time passes by waiting for it, and
// the server's own sweeper (every --sweep-interval) halts what is stuck.
// Wait bounds how long past a deadline the game day waits for it.
type RealClock struct{ Wait time.Duration }

// Reach: windows are stamped from sim.T0, which is in the past.
func (RealClock) Reach(ctx context.Context, t time.Time) error {
	if late := time.Until(t); late > time.Minute {
		return fmt.Errorf("a window ends %s from now; the server refuses windows from the future", late.Round(time.Second))
	}
	return nil
}

// Pass polls done every 250 ms until it holds, for at most d plus Wait.
func (c RealClock) Pass(ctx context.Context, d time.Duration, done func(context.Context) (bool, error)) (time.Duration, error) {
	start := time.Now()
	deadline := start.Add(d + c.Bound())
	for {
		ok, err := done(ctx)
		if err != nil || ok || time.Now().After(deadline) {
			return time.Since(start), err
		}
		select {
		case <-ctx.Done():
			return time.Since(start), ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Bound is Wait, or a minute when unset.
func (c RealClock) Bound() time.Duration {
	if c.Wait <= 0 {
		return time.Minute
	}
	return c.Wait
}

// embeddedClock moves the fake clock and runs the sweeper itself.
type embeddedClock struct {
	clock *testclock.Clock
	sweep func(context.Context) (int, error)
}

func (c embeddedClock) Reach(ctx context.Context, t time.Time) error {
	c.clock.AdvanceTo(t)
	return nil
}

// Pass moves the clock past d and sweeps twice: the second sweep must find
// nothing more to do (a stuck release is halted and paged once).
func (c embeddedClock) Pass(ctx context.Context, d time.Duration, done func(context.Context) (bool, error)) (time.Duration, error) {
	step := d + time.Second
	c.clock.Advance(step)
	for range 2 {
		if _, err := c.sweep(ctx); err != nil {
			return step, fmt.Errorf("sweep: %w", err)
		}
	}
	_, err := done(ctx)
	return step, err
}

// Bound: deliveries to the loopback sink take milliseconds.
func (embeddedClock) Bound() time.Duration { return 10 * time.Second }
