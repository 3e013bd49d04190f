package sqlcheck

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

// TestMain starts PostgreSQL for the tests that check the classifier's
// claims on a real server (TestTypeChangesOnPostgres).
func TestMain(m *testing.M) { pgtest.Main(m) }
