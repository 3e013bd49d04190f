package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// countIn runs CountRollbacks in a unit on release id.
func countIn(t *testing.T, s store.Full, id string, since time.Time) (service, fleet int, err error) {
	t.Helper()
	err = s.InRelease(context.Background(), id, func(tx store.ReleaseTx) (err error) {
		service, fleet, err = tx.CountRollbacks(context.Background(), since)
		return err
	})
	return service, fleet, err
}

func testCountRollbacks(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments", "search")
	since := t0.Add(-time.Hour)
	for _, tc := range []struct {
		id, service string
		d           *store.DecisionRecord
	}{
		{"old", "payments", decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, since.Add(-µs))},
		{"edge", "payments", decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, since)},
		{"in", "payments", decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, t0)},
		{"human", "payments", decision(judge.ActionRollback, judge.ReasonOverride, judge.StateRollingBack, false, t0)},
		{"escalate", "payments", decision(judge.ActionEscalate, judge.ReasonRollbackCap, judge.StateBaking, true, t0)},
		{"other", "search", decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, t0)},
	} {
		create(t, s, release(tc.id, tc.service, tc.id))
		unit(t, s, tc.id, func(tx store.ReleaseTx) error { return tx.SaveDecision(ctx, tc.d) })
	}
	svc, fleet, err := countIn(t, s, "in", since)
	if err != nil || svc != 2 || fleet != 3 {
		t.Fatalf("CountRollbacks = service %d, fleet %d, %v; want 2 and 3 (automatic rollbacks at or after since)", svc, fleet, err)
	}
}

// testRollbackCapConcurrent: 50 units on 50 releases of one service each
// count and roll back only under a cap of 2; exactly 2 rollbacks result.
func testRollbackCapConcurrent(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	const n, limit = 50, 2
	for i := range n {
		create(t, s, release(fmt.Sprintf("r%02d", i), "payments", fmt.Sprintf("t%02d", i)))
	}
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		saved int
	)
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.InRelease(ctx, fmt.Sprintf("r%02d", i), func(tx store.ReleaseTx) error {
				svc, _, err := tx.CountRollbacks(ctx, t0.Add(-time.Hour))
				if err != nil || svc >= limit {
					return err
				}
				if err := tx.SaveDecision(ctx, decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, t0)); err != nil {
					return err
				}
				mu.Lock()
				saved++
				mu.Unlock()
				return nil
			})
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("unit: %v", err)
		}
	}
	if svc, fleet, err := countIn(t, s, "r00", t0.Add(-time.Hour)); saved != limit || svc != limit || fleet != limit || err != nil {
		t.Fatalf("%d units saved a rollback (store counts service %d, fleet %d, %v); want exactly %d", saved, svc, fleet, err, limit)
	}
}
