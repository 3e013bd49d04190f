package memory_test

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) (store.Full, func(*testing.T) store.Full) {
		s := memory.New()
		// A second replica of an in-process store is the store itself.
		return s, func(*testing.T) store.Full { return s }
	})
}
