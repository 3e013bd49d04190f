package postgres_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/outbox"
)

// TestMigrationOutboxSinkRefs: migration 00007 turns outbox rows that copied
// their sink (credentials included) into references to the newest policy
// version holding that sink, with the key outbox.KeyOf computes; a row whose
// sink is in no policy is dead; no credential is left in the table. Down
// puts the copies back.
func TestMigrationOutboxSinkRefs(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	hook := judge.Sink{Kind: "webhook", URL: "https://hooks.example/a?token=QTOKEN", Secret: "whsec-OLD"}
	pd := judge.Sink{Kind: "pagerduty", RoutingKey: "PDKEY-OLD"}
	p := storetestPolicy()
	p.Notify = []judge.Sink{hook}
	if _, err := s.PutPolicy(ctx, "payments", p, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	p.Notify = []judge.Sink{pd, hook} // v2: the hook moved to index 1
	if _, err := s.PutPolicy(ctx, "payments", p, 0, "", t0); err != nil {
		t.Fatal(err)
	}
	m, err := s.Migrator()
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	for {
		st, err := m.Down(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Version == 7 {
			break
		}
	}
	pool := s.Pool()
	if _, err := pool.Exec(ctx, `INSERT INTO outbox (release_id, service, kind, sink, next_attempt_at, created_at) VALUES
		('r1', 'payments', 'page', $1, $3, $3), ('r1', 'payments', 'page', $2, $3, $3),
		('r1', 'payments', 'page', '{"kind":"slack","url":"https://hooks.slack.com/services/T/B/GONE"}', $3, $3)`,
		mustJSON(t, hook), mustJSON(t, pd), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, `SELECT policy_version, sink_index, sink_kind, sink_key, dead FROM outbox ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		v, i int
		kind string
		key  string
		dead bool
	}
	var got []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.v, &r.i, &r.kind, &r.key, &r.dead); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if len(got) != 3 || got[0] != (row{2, 1, "webhook", outbox.KeyOf(hook), false}) || got[1] != (row{2, 0, "pagerduty", outbox.KeyOf(pd), false}) ||
		!got[2].dead || got[2].v != 0 {
		t.Fatalf("migrated rows = %+v", got)
	}
	var dump string
	if err := pool.QueryRow(ctx, `SELECT json_agg(o)::text || (SELECT json_agg(s)::text FROM outbox_sinks s) FROM outbox o`).Scan(&dump); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"QTOKEN", "whsec-OLD", "PDKEY-OLD", "GONE"} {
		if strings.Contains(dump, secret) {
			t.Errorf("outbox tables still hold %q after the migration: %s", secret, dump)
		}
	}
	for { // undo every later migration, then 00007 itself
		st, err := m.Down(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.Version == 7 {
			break
		}
	}
	var back string
	if err := pool.QueryRow(ctx, `SELECT sink->>'secret' FROM outbox ORDER BY id LIMIT 1`).Scan(&back); err != nil || back != "whsec-OLD" {
		t.Fatalf("down did not restore the sink copy: %q, %v", back, err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
