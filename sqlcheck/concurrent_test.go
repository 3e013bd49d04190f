package sqlcheck

import (
	"context"
	"reflect"
	"sync"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
)

// TestClassifierConcurrently: the server classifies from many request
// goroutines at once; libpg_query must give each the same answer it gives
// alone (run with -race).
func TestClassifierConcurrently(t *testing.T) {
	want := make([]any, len(classCases))
	for i, c := range classCases {
		r, err := Classifier{}.Classify(context.Background(), c.prior+c.sql)
		want[i] = answer(r, err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range classCases {
				i := (k + g*17) % len(classCases)
				got, err := Classifier{}.Classify(context.Background(), classCases[i].prior+classCases[i].sql)
				if !reflect.DeepEqual(answer(got, err), want[i]) {
					t.Errorf("goroutine %d, case %d: %v %+v", g, i, err, got)
					return
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestCancelledContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := (Classifier{}).Classify(ctx, "SELECT 1"); err == nil {
		t.Fatal("a cancelled context must stop the classification")
	}
}

// answer is a classification or its error, comparable with DeepEqual.
func answer(r judge.MigrationCheck, err error) any {
	if err != nil {
		return err.Error()
	}
	return r
}
