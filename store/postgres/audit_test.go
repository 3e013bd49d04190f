package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestAuditInputKeptExactlyAndCompact: a large audit input (a window's raw
// series) reads back byte for byte, is stored compressed in input_z with
// input NULL, in well under half its size; a small one stays plain JSON in
// input; a damaged compressed value is an error naming the entry, never a
// silently empty input.
func TestAuditInputKeptExactlyAndCompact(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	var series []string
	for i := range 1200 {
		series = append(series, fmt.Sprintf("%.2f", 100+float64((i*7919)%5000)/100))
	}
	large := []byte(`{"canary":{"m0":[` + strings.Join(series, ",") + `]},"note":"ünïcode \u2028 kept"}`)
	small := []byte(`{"reason":"maintenance"}`)
	for i, in := range [][]byte{large, small} {
		f := judge.Freeze{Scope: fmt.Sprintf("service:s%d", i), Reason: "r", CreatedBy: "t", CreatedAt: t0}
		if _, err := s.PutFreeze(ctx, f, store.AuditEntry{Action: "freeze:set", Actor: "t", Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AuditLog(ctx, store.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || !bytes.Equal(got[0].Input, large) || !bytes.Equal(got[1].Input, small) {
		t.Fatalf("read back %d entries; large input exact %v, small exact %v", len(got), len(got) > 0 && bytes.Equal(got[0].Input, large),
			len(got) > 1 && bytes.Equal(got[1].Input, small))
	}
	var plainLarge, zSmall bool
	var zLen int
	err = s.Pool().QueryRow(ctx, `SELECT (SELECT input IS NOT NULL FROM audit_log WHERE id = $1), (SELECT coalesce(octet_length(input_z), 0) FROM audit_log WHERE id = $1),
		(SELECT input_z IS NOT NULL FROM audit_log WHERE id = $2)`, got[0].ID, got[1].ID).Scan(&plainLarge, &zLen, &zSmall)
	if err != nil {
		t.Fatal(err)
	}
	if plainLarge || zSmall || zLen == 0 || zLen > len(large)/2 {
		t.Errorf("large input: plain column set %v, compressed %d of %d bytes; small input compressed %v", plainLarge, zLen, len(large), zSmall)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO audit_log (at, action, input_z) VALUES (now(), 'damaged', '\x00ffee')`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AuditLog(ctx, store.AuditQuery{Limit: 10}); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged compressed input read back with err = %v, want an error saying so", err)
	}
}
