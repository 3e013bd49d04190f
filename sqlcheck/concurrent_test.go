package sqlcheck

import (
	"context"
	"reflect"
	"sync"
	"testing"
)

// TestClassifierConcurrently: the server classifies from many request
// goroutines at once; libpg_query must give each the same answer it gives
// alone (run with -race).
func TestClassifierConcurrently(t *testing.T) {
	want := make([]any, len(classCases))
	for i, c := range classCases {
		want[i], _ = Classifier{}.Classify(context.Background(), c.prior+c.sql)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range classCases {
				i := (k + g*17) % len(classCases)
				got, err := Classifier{}.Classify(context.Background(), classCases[i].prior+classCases[i].sql)
				if err != nil || !reflect.DeepEqual(any(got), want[i]) {
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
