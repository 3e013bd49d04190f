package sqlcheck

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"
)

// crashSQL crashes PostgreSQL's parser under a 2 MiB stack (5,937 terms
// are enough; the crash probe measured it).
var crashSQL = "SELECT 1" + strings.Repeat("+1", 30000)

// TestPoolSurvivesParserCrash: with every limit off, a SQL that kills
// PostgreSQL's parser kills one worker process; the request gets a
// parser-fault finding (unknown), and the next request is answered by a
// fresh worker.
func TestPoolSurvivesParserCrash(t *testing.T) {
	var stderr syncBuffer
	p := testPool(t, 2048, &Limits{}, PoolOptions{Size: 2, Stderr: &stderr})
	ctx := context.Background()
	r, err := p.Classify(ctx, crashSQL)
	if err != nil {
		t.Fatal(err)
	}
	if r.Class != U || !hasRule(r.Findings, "parser-fault") || !strings.Contains(r.Findings[0].Detail, "died") {
		t.Fatalf("crash answered %+v", r)
	}
	if !strings.Contains(stderr.String(), "SIGSEGV") {
		t.Fatalf("the worker did not die of SIGSEGV:\n%.2000s", stderr.String())
	}
	if p.Faults() != 1 {
		t.Fatalf("faults %d", p.Faults())
	}
	want, _ := Classifier{}.Classify(ctx, usersTable)
	got, err := p.Classify(ctx, usersTable)
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after the crash: %v %+v", err, got)
	}
}

// TestPoolRefusesOverLimits: with the default limits, the crash never
// reaches a worker: the answer is a *LimitError naming the limit.
func TestPoolRefusesOverLimits(t *testing.T) {
	p := testPool(t, 0, nil, PoolOptions{})
	_, err := p.Classify(context.Background(), crashSQL)
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != "expression_depth" || le.Got < 30000 || le.Max != DefaultLimits.Depth {
		t.Fatalf("got %v", err)
	}
	if p.Faults() != 0 {
		t.Fatal("a worker was asked")
	}
}

// TestPoolTimeBudget: a parse past the budget kills the worker and answers
// parser-fault; the pool goes on.
func TestPoolTimeBudget(t *testing.T) {
	p := testPool(t, 0, &Limits{}, PoolOptions{Timeout: time.Second})
	slow := strings.Repeat("SELECT CASE WHEN x THEN 1 END;\n", 300000) // ~10 s
	r, err := p.Classify(context.Background(), slow)
	if err != nil || !hasRule(r.Findings, "parser-fault") || !strings.Contains(r.Findings[0].Detail, "longer than") {
		t.Fatalf("%v %+v", err, r.Findings)
	}
	if r, err := p.Classify(context.Background(), "SELECT 1"); err != nil || r.Class != E {
		t.Fatalf("after the timeout: %v %+v", err, r)
	}
}

// TestPoolCancel: a cancelled request returns the context's error.
func TestPoolCancel(t *testing.T) {
	p := testPool(t, 0, &Limits{}, PoolOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	_, err := p.Classify(ctx, strings.Repeat("SELECT CASE WHEN x THEN 1 END;\n", 60000))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v", err)
	}
}

// TestPoolReplacesDeadIdleWorker: a worker killed while idle (not by a
// request) costs the next request nothing.
func TestPoolReplacesDeadIdleWorker(t *testing.T) {
	p := testPool(t, 0, nil, PoolOptions{Size: 1})
	ctx := context.Background()
	if _, err := p.Classify(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	w := p.idle[0]
	p.mu.Unlock()
	_ = w.cmd.Process.Kill()
	<-w.done
	if r, err := p.Classify(ctx, "DROP TABLE x"); err != nil || r.Class != C {
		t.Fatalf("%v %+v", err, r)
	}
	if p.Faults() != 0 {
		t.Fatalf("faults %d", p.Faults())
	}
}

// TestPoolConcurrently: many goroutines get the answers the in-process
// classifier gives (run with -race).
func TestPoolConcurrently(t *testing.T) {
	p := testPool(t, 0, nil, PoolOptions{Size: 3})
	ctx := context.Background()
	want := make([]any, len(classCases))
	for i, c := range classCases {
		r, err := Classifier{}.Classify(ctx, c.prior+c.sql)
		want[i] = answer(r, err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := 0; k < 40; k++ {
				i := (k*7 + g*13) % len(classCases)
				got, err := p.Classify(ctx, classCases[i].prior+classCases[i].sql)
				if !reflect.DeepEqual(answer(got, err), want[i]) {
					t.Errorf("goroutine %d, case %d: %v\n got %+v\nwant %+v", g, i, err, got, want[i])
					return
				}
			}
		}(g)
	}
	wg.Wait()
	if p.Faults() != 0 {
		t.Fatalf("faults %d", p.Faults())
	}
}

// syncBuffer is a bytes.Buffer the worker's stderr copier may write to
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
