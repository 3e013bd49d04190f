package storetest

import (
	"context"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
	"github.com/canaryjudge/canaryjudge/store"
)

// testReadsRefuseBadText: a read whose filter or key holds a NUL byte or
// invalid UTF-8 (text PostgreSQL cannot hold) is refused as a validation
// error by both stores alike, never answered as "nothing matches" by one
// and refused by the other.
func testReadsRefuseBadText(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "payments")
	create(t, s, release("r1", "payments", "eu-1"))
	for _, bad := range []string{"a\x00b", "\xff", "r1\xc3"} {
		for name, read := range map[string]func() error{
			"ListReleases service": func() error { _, err := s.ListReleases(ctx, store.ReleaseQuery{Service: bad}); return err },
			"ListReleases target":  func() error { _, err := s.ListReleases(ctx, store.ReleaseQuery{Target: bad}); return err },
			"ListRuns release":     func() error { _, err := s.ListRuns(ctx, store.RunQuery{ReleaseID: bad}); return err },
			"AuditLog release":     func() error { _, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: bad}); return err },
			"AuditLog service":     func() error { _, err := s.AuditLog(ctx, store.AuditQuery{Service: bad}); return err },
			"ListOutbox service":   func() error { _, err := s.ListOutbox(ctx, outbox.Query{Service: bad}); return err },
			"GetRelease":           func() error { _, err := s.GetRelease(ctx, bad); return err },
			"GetRun":               func() error { _, err := s.GetRun(ctx, bad); return err },
			"GetPolicy":            func() error { _, err := s.GetPolicy(ctx, bad); return err },
			"Verdicts":             func() error { _, err := s.Verdicts(ctx, store.VerdictQuery{Service: bad, Limit: 1}); return err },
			"GetSource":            func() error { _, err := s.GetSource(ctx, bad); return err },
		} {
			err := read()
			if _, ok := judge.AsValidation(err); !ok {
				t.Errorf("%s(%q) = %v, want a validation error (the text cannot be stored or compared)", name, bad, err)
			}
		}
	}
}
