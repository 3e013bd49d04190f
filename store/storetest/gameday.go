package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testCountRollbacksGameDay: a game day's drill services (judge.IsGameDay)
// keep their own per-service count, but their automatic rollbacks never
// count toward the fleet cap of a real service.
func testCountRollbacksGameDay(t *testing.T, s store.Full) {
	ctx := context.Background()
	drill := judge.GameDayPrefix + "run1-errors_x5"
	withPolicy(t, s, "payments", drill)
	for _, tc := range []struct{ id, service string }{{"drill1", drill}, {"drill2", drill}, {"real", "payments"}} {
		create(t, s, release(tc.id, tc.service, tc.id))
		d := decision(judge.ActionRollback, judge.ReasonCriticalCeiling, judge.StateRollingBack, true, t0)
		unit(t, s, tc.id, func(tx store.ReleaseTx) error { return tx.SaveDecision(ctx, d) })
	}
	since := t0.Add(-time.Hour)
	if svc, fleet, err := countIn(t, s, "real", since); err != nil || svc != 1 || fleet != 1 {
		t.Errorf("a real service counts service %d, fleet %d, %v; want 1 and 1 (the drills' 2 rollbacks left out)", svc, fleet, err)
	}
	if svc, fleet, err := countIn(t, s, "drill1", since); err != nil || svc != 2 || fleet != 1 {
		t.Errorf("a drill counts service %d, fleet %d, %v; want its own 2, and the real fleet's 1", svc, fleet, err)
	}
}
