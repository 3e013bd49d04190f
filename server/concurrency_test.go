package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store/postgres"
)

// TestRollbackCapUnderConcurrency: 50 releases of one service in 50
// targets fail at the same moment with a per-service cap of 2: exactly 2
// roll back and 48 escalate, on real PostgreSQL through real HTTP, with
// two servers sharing the database.
func TestRollbackCapUnderConcurrency(t *testing.T) {
	a, b, st1 := twoReplicas(t)
	setupService(t, a, "payments", testPolicy(2, ""))
	const n = 50
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createRelease(t, a, "payments", fmt.Sprintf("t%02d", i), "").ID
	}
	results := make([]outcome, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := a
			if i%2 == 1 {
				s = b
			}
			<-start
			results[i] = analyze(t, s, ids[i], erroring(uint64(i)))
		}()
	}
	close(start)
	wg.Wait()
	counts := map[string]int{}
	for _, o := range results {
		counts[o.Decision.Action+"/"+o.Decision.Reason]++
	}
	if counts["rollback/critical_ceiling"] != 2 || counts["escalate/rollback_cap"] != 48 || len(counts) != 2 {
		t.Fatalf("decisions = %v, want exactly 2 rollbacks and 48 rollback_cap escalations", counts)
	}
	var rows int
	if err := st1.Pool().QueryRow(context.Background(), `SELECT count(*) FROM decisions WHERE automatic AND action = 'rollback'`).Scan(&rows); err != nil || rows != 2 {
		t.Fatalf("automatic rollbacks in the database = %d (%v), want 2", rows, err)
	}
}

// TestSweeperTwoServersPageOnce: stuck rollbacks are halted and paged
// exactly once even when two servers sweep the same database at once.
func TestSweeperTwoServersPageOnce(t *testing.T) {
	a, b, st1 := twoReplicas(t)
	setupService(t, a, "cart", testPolicy(1000, `,"notify":[{"kind":"webhook","url":"http://127.0.0.1:9/hook","secret":"s"}]`))
	const n = 12
	for i := range n {
		rel := createRelease(t, a, "cart", fmt.Sprintf("r%d", i), "")
		if o := analyze(t, a, rel.ID, erroring(uint64(i))); o.Decision.Action != "rollback" {
			t.Fatalf("setup: %+v", o.Decision)
		}
	}
	a.clock.Advance(11 * time.Minute) // past the 10m rollback timeout (the clock is shared)
	handled := sweepRace(t, a, b)
	pool := st1.Pool()
	stuck := count(t, pool, `SELECT count(*) FROM releases WHERE state = 'rolling_back'`)
	halted := count(t, pool, `SELECT count(*) FROM decisions WHERE reason = 'rollback_stuck'`)
	pages := count(t, pool, `SELECT count(*) FROM outbox WHERE kind = 'page' AND summary LIKE '%rollback_stuck%'`)
	perRelease := count(t, pool, `SELECT coalesce(max(c), 0) FROM (SELECT count(*) c FROM outbox WHERE kind = 'page' AND summary LIKE '%rollback_stuck%' GROUP BY release_id) x`)
	if stuck != 0 || halted != handled[0]+handled[1] || pages != halted || perRelease != 1 || halted != n {
		t.Fatalf("stuck left %d, halted %d (handled %v), pages %d, max pages per release %d; want 0, n, n, 1",
			stuck, halted, handled, pages, perRelease)
	}
}

// sweepRace has every stack sweep three times, all at once, and returns
// how many releases each one's sweeps handled.
func sweepRace(t *testing.T, stacks ...stack) []int {
	t.Helper()
	var wg sync.WaitGroup
	handled := make([]int, len(stacks))
	for i, s := range stacks {
		wg.Go(func() {
			for range 3 {
				k, err := s.h.Sweep(context.Background())
				if err != nil {
					t.Error(err)
				}
				handled[i] += k
			}
		})
	}
	wg.Wait()
	return handled
}

// TestFreezeMidFlight: once PUT freeze has answered, every later decision
// that would promote or roll back answers wait / frozen, on either server.
func TestFreezeMidFlight(t *testing.T) {
	a, b, _ := twoReplicas(t)
	setupService(t, a, "orders", testPolicy(1000, ""))
	const n = 40
	ids := make([]string, n)
	for i := range ids {
		ids[i] = createRelease(t, a, "orders", fmt.Sprintf("t%02d", i), "").ID
	}
	var frozenAt time.Time
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == n/2 {
				mustStatus(t, call(t, a.srv, "PUT", "/v1/freezes/service:orders", `{"reason":"incident 4711"}`), 200)
				mu.Lock()
				frozenAt = time.Now()
				mu.Unlock()
				return
			}
			time.Sleep(time.Duration(i) * time.Millisecond)
			s := []stack{a, b}[i%2]
			started := time.Now()
			o := analyze(t, s, ids[i], erroring(uint64(i)))
			mu.Lock()
			after := !frozenAt.IsZero() && started.After(frozenAt)
			mu.Unlock()
			if after && o.Decision.Reason != "frozen" {
				t.Errorf("request started after the freeze answered %s/%s", o.Decision.Action, o.Decision.Reason)
			}
		}()
	}
	wg.Wait()
	// Every decision after the freeze row exists is frozen.
	for i := range 5 {
		if o := analyze(t, b, createRelease(t, b, "orders", fmt.Sprintf("late%d", i), "").ID, erroring(99)); o.Decision.Reason != "frozen" || o.Decision.Action != "wait" {
			t.Fatalf("after freeze: %+v", o.Decision)
		}
	}
}

// twoReplicas starts two servers on one fresh PostgreSQL database with a
// shared clock, as two replicas of the service would run; st1 is the
// first server's store, for checking rows with SQL.
func twoReplicas(t *testing.T) (a, b stack, st1 *postgres.Store) {
	url := pgtest.URL(t)
	st1, st2 := openPG(t, url), openPG(t, url)
	c := newClock()
	return newStack(t, st1, c), newStack(t, st2, c), st1
}

func openPG(t testing.TB, url string) *postgres.Store {
	t.Helper()
	st, err := postgres.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(st.Close)
	return st
}

func count(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}
