package memory_test

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/store"
	"github.com/canaryjudge/canaryjudge/store/memory"
	"github.com/canaryjudge/canaryjudge/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return memory.New() })
}
