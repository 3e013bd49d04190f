package storetest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testAuditInputExact: an audit entry's input reads back byte for byte,
// small or large (PostgreSQL keeps one over 1 KB compressed, the memory
// store as it is: a reader cannot tell), spacing and escapes included.
func testAuditInputExact(t *testing.T, s store.Full) {
	ctx := context.Background()
	var pts []string
	for i := range 1500 {
		pts = append(pts, fmt.Sprintf("%.3f", float64((i*7919)%10007)/7))
	}
	inputs := [][]byte{
		[]byte(`{"reason":"maintenance"}`),
		[]byte(`{"canary": {"m": [` + strings.Join(pts, ", ") + `]}, "note": "\u00fcn\u2028\"q\""}`),
	}
	for i, in := range inputs {
		f := judge.Freeze{Scope: fmt.Sprintf("service:audit-%d", i), Reason: "r", CreatedBy: "t", CreatedAt: t0}
		if _, err := s.PutFreeze(ctx, f, store.AuditEntry{Action: "freeze:set", Actor: "t", Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AuditLog(ctx, store.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(inputs) {
		t.Fatalf("%d audit entries, want %d", len(got), len(inputs))
	}
	for i, e := range got {
		if !bytes.Equal(e.Input, inputs[i]) {
			t.Errorf("entry %d (%d bytes): input read back as %d bytes, not the same", i, len(inputs[i]), len(e.Input))
		}
	}
}
