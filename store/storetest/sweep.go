package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// stuckReleases creates n releases rolling back past their deadline (the
// i-th deadline i minutes after t0), plus one not yet due and one baking.
func stuckReleases(t *testing.T, s store.Full, n int) (now time.Time) {
	withPolicy(t, s, "payments")
	for i := range n {
		id := fmt.Sprintf("stuck%02d", i)
		create(t, s, release(id, "payments", id))
		setState(t, s, id, judge.StateRollingBack, ptr(t0.Add(time.Duration(n-i)*time.Minute)))
	}
	now = t0.Add(time.Duration(n+1) * time.Minute)
	create(t, s, release("later", "payments", "later"))
	setState(t, s, "later", judge.StateRollingBack, ptr(now.Add(time.Minute)))
	create(t, s, release("baking", "payments", "baking"))
	return now
}

// halt is the sweeper's fn: the rollback timed out.
func halt(ctx context.Context, tx store.ReleaseTx, now time.Time) error {
	r := tx.Release()
	r.State, r.StateReason, r.UpdatedAt = judge.StateHalted, judge.ReasonRollbackStuck, now
	return tx.UpdateRelease(ctx, r)
}

func testSweepLimitAndOrder(t *testing.T, s store.Full) {
	ctx := context.Background()
	now := stuckReleases(t, s, 4)
	var order []string
	n, err := s.SweepStuck(ctx, now, 2, func(tx store.ReleaseTx) error {
		order = append(order, tx.Release().ID)
		return halt(ctx, tx, now)
	})
	if err != nil || n != 2 || fmt.Sprint(order) != "[stuck03 stuck02]" {
		t.Fatalf("SweepStuck(limit 2) = %d %v, order %v; want the two oldest deadlines", n, err, order)
	}
	// fn's error rolls back that release and stops the sweep.
	n, err = s.SweepStuck(ctx, now, 10, func(tx store.ReleaseTx) error {
		if err := halt(ctx, tx, now); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) || n != 0 {
		t.Fatalf("SweepStuck with a failing fn = %d, %v; want 0 and fn's error", n, err)
	}
	if r, _ := s.GetRelease(ctx, "stuck01"); r.State != judge.StateRollingBack {
		t.Fatalf("failed sweep changed stuck01 to %s", r.State)
	}
	// A fn that changes nothing still sees each due release once per call.
	seen := map[string]int{}
	n, err = s.SweepStuck(ctx, now, 10, func(tx store.ReleaseTx) error { seen[tx.Release().ID]++; return nil })
	if err != nil || n != 2 || len(seen) != 2 || seen["stuck01"] != 1 || seen["stuck00"] != 1 {
		t.Fatalf("SweepStuck with a no-op fn = %d, %v, saw %v; want stuck01 and stuck00 once each", n, err, seen)
	}
	if n, err := s.SweepStuck(ctx, now, 0, func(store.ReleaseTx) error { return errBoom }); n != 0 || err != nil {
		t.Fatalf("SweepStuck(limit 0) = %d, %v", n, err)
	}
}

// testSweepReplicas: two replicas sweeping the same data at once handle
// each stuck release exactly once between them.
func testSweepReplicas(t *testing.T, newStore Factory) {
	ctx := context.Background()
	a, replica := newStore(t)
	b := replica(t)
	const stuck = 12
	now := stuckReleases(t, a, stuck)
	var (
		mu      sync.Mutex
		handled = map[string]int{}
		wg      sync.WaitGroup
	)
	counts := make([]int, 2)
	errs := make([]error, 2)
	for i, s := range []store.Full{a, b} {
		wg.Go(func() {
			counts[i], errs[i] = s.SweepStuck(ctx, now, stuck, func(tx store.ReleaseTx) error {
				mu.Lock()
				handled[tx.Release().ID]++
				mu.Unlock()
				time.Sleep(5 * time.Millisecond) // hold the lock while the other replica looks
				return halt(ctx, tx, now)
			})
		})
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil || counts[0]+counts[1] != stuck || len(handled) != stuck {
		t.Fatalf("replicas handled %v (errors %v), releases %v; want %d in total", counts, errs, handled, stuck)
	}
	for id, n := range handled {
		if n != 1 {
			t.Errorf("%s handled %d times", id, n)
		}
	}
	for _, tc := range []struct {
		id   string
		want judge.State
	}{{"stuck00", judge.StateHalted}, {"later", judge.StateRollingBack}, {"baking", judge.StateBaking}} {
		if r, err := b.GetRelease(ctx, tc.id); err != nil || r.State != tc.want {
			t.Errorf("%s after the sweep: %s, %v; want %s", tc.id, r.State, err, tc.want)
		}
	}
}
