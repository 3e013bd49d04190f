package postgres_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// TestAuditInputKeptExactlyAndCompact: a large audit input of series
// reads back byte for byte and is stored packed in input_n (input and
// input_z NULL) in under a third of its size; a large one without numbers
// to pack goes compressed in input_z; a small one stays plain JSON in
// input; a row written the previous way (input_z) still reads; a damaged
// stored value, packed or compressed, is an error naming the entry, never a
// silently empty input.
func TestAuditInputKeptExactlyAndCompact(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	var series []string
	for i := range 1200 {
		series = append(series, fmt.Sprintf("%.2f", 100+float64((i*7919)%5000)/100))
	}
	large := []byte(`{"canary":{"m0":[` + strings.Join(series, ",") + `]},"note":"ünïcode \u2028 kept 1.5e3"}`)
	words := []byte(`{"reason":"` + strings.Repeat("maintenance window, ", 100) + `"}`)
	small := []byte(`{"reason":"maintenance"}`)
	for i, in := range [][]byte{large, words, small} {
		f := judge.Freeze{Scope: fmt.Sprintf("service:s%d", i), Reason: "r", CreatedBy: "t", CreatedAt: t0}
		if _, err := s.PutFreeze(ctx, f, store.AuditEntry{Action: "freeze:set", Actor: "t", Input: in}); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.AuditLog(ctx, store.AuditQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || !bytes.Equal(got[0].Input, large) || !bytes.Equal(got[1].Input, words) || !bytes.Equal(got[2].Input, small) {
		t.Fatalf("read back %d entries, not each input exactly", len(got))
	}
	type cols struct{ plain, z, n int }
	stored := func(id int64) (c cols) {
		if err := s.Pool().QueryRow(ctx, `SELECT coalesce(octet_length(input::text), 0), coalesce(octet_length(input_z), 0), coalesce(octet_length(input_n), 0)
			FROM audit_log WHERE id = $1`, id).Scan(&c.plain, &c.z, &c.n); err != nil {
			t.Fatal(err)
		}
		return c
	}
	if c := stored(got[0].ID); c.plain != 0 || c.z != 0 || c.n == 0 || c.n > len(large)/3 {
		t.Errorf("series input (%d bytes) stored as %+v, want packed alone in under a third", len(large), c)
	}
	if c := stored(got[1].ID); c.plain != 0 || c.z == 0 || c.n != 0 {
		t.Errorf("input without numbers stored as %+v, want compressed alone", c)
	}
	if c := stored(got[2].ID); c.plain == 0 || c.z != 0 || c.n != 0 {
		t.Errorf("small input stored as %+v, want plain alone", c)
	}
	var z bytes.Buffer
	w, _ := flate.NewWriter(&z, flate.HuffmanOnly)
	_, _ = w.Write(large)
	_ = w.Close()
	if _, err := s.Pool().Exec(ctx, `INSERT INTO audit_log (at, action, input_z) VALUES (now(), 'previous', $1)`, z.Bytes()); err != nil {
		t.Fatal(err)
	}
	if got, err := s.AuditLog(ctx, store.AuditQuery{Limit: 10}); err != nil || len(got) != 4 || !bytes.Equal(got[3].Input, large) {
		t.Errorf("an input stored the previous way does not read back: %v", err)
	}
	for _, col := range []string{"input_z", "input_n"} {
		var id int64
		if err := s.Pool().QueryRow(ctx, `INSERT INTO audit_log (at, action, `+col+`) VALUES (now(), 'damaged', '\x01ffee') RETURNING id`).Scan(&id); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuditLog(ctx, store.AuditQuery{AfterID: id - 1, Limit: 1}); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("a damaged %s read back with err = %v, want an error saying so", col, err)
		}
	}
}

// TestResultKeptCompact: a large analysis result is stored compressed in
// result_z with result NULL, in under a third of its JSON; a row written
// the old way (result as jsonb) still reads; a damaged compressed result
// is an error naming the analysis, never a missing result.
func TestResultKeptCompact(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	seed(t, s, "r1")
	res := &judge.Result{Verdict: judge.VerdictPass, Score: 90, Mode: judge.ModeDefault, PolicyVersion: 1}
	for i := range 30 {
		res.Metrics = append(res.Metrics, judge.MetricResult{Name: fmt.Sprintf("m%d", i), Group: "g", Direction: judge.DirIncrease,
			Classification: judge.ClassPass, Reason: "mean_ratio 0.9866 [0.9089, 1.072] lies within the allowance", N: 60, M: 60})
	}
	want, _ := json.Marshal(res)
	err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		return tx.SaveAnalysis(ctx, &store.Analysis{Window: judge.Window{Verdict: judge.VerdictPass, At: t0}, PolicyVersion: 1, CreatedAt: t0, Result: res})
	})
	if err != nil {
		t.Fatal(err)
	}
	var plain bool
	var zLen int
	if err := s.Pool().QueryRow(ctx, `SELECT result IS NOT NULL, coalesce(octet_length(result_z), 0) FROM analyses`).Scan(&plain, &zLen); err != nil {
		t.Fatal(err)
	}
	if plain || zLen == 0 || zLen > len(want)/3 {
		t.Errorf("result of %d bytes: plain column set %v, compressed to %d bytes", len(want), plain, zLen)
	}
	if _, err := s.Pool().Exec(ctx, `INSERT INTO analyses (release_id, seq, verdict, score, result, policy_version, window_at, created_at)
		VALUES ('r1', 2, 'pass', 90, $1, 1, now(), now())`, string(want)); err != nil {
		t.Fatal(err)
	}
	as, err := s.Analyses(ctx, "r1", 0)
	if err != nil || len(as) != 2 {
		t.Fatalf("Analyses = %d, %v", len(as), err)
	}
	for _, a := range as {
		if got, _ := json.Marshal(a.Result); !bytes.Equal(got, want) {
			t.Errorf("analysis %d: result read back as %d bytes, want the %d written", a.Seq, len(got), len(want))
		}
	}
	if _, err := s.Pool().Exec(ctx, `UPDATE analyses SET result_z = '\x00ffee' WHERE seq = 1`); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Analyses(ctx, "r1", 0); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged compressed result read back with err = %v, want an error saying so", err)
	}
}

// TestDocumentsCompressedWithLZ4: the documents PostgreSQL compresses
// itself are compressed with LZ4, not pglz (migrations 00015 and 00016), both in the
// catalog and for a summary written through the unit of work, and the
// summary reads back exactly.
func TestDocumentsCompressedWithLZ4(t *testing.T) {
	ctx := context.Background()
	s := pgtest.Open(t)
	var methods []string
	err := s.Pool().QueryRow(ctx, `SELECT array_agg(attrelid::regclass || '.' || attname || '=' || attcompression::text) FROM pg_attribute
		WHERE (attrelid, attname) IN (('analyses'::regclass, 'summary'), ('analyses'::regclass, 'result'), ('decisions'::regclass, 'decision'),
			('release_evidence'::regclass, 'state'), ('release_evidence'::regclass, 'extremes'), ('audit_log'::regclass, 'input'), ('audit_log'::regclass, 'output'))`).Scan(&methods)
	slices.Sort(methods)
	want := []string{"analyses.result=l", "analyses.summary=l", "audit_log.input=l", "audit_log.output=l", "decisions.decision=l", "release_evidence.extremes=l", "release_evidence.state=l"}
	if err != nil || strings.Join(methods, " ") != strings.Join(want, " ") {
		t.Fatalf("column compression %v (%v), want %v", methods, err, want)
	}
	seed(t, s, "r1")
	w := judge.Window{Verdict: judge.VerdictPass, At: t0}
	for i := range 40 {
		side := judge.SideSummary{N: 60, Mean: 100 + float64(i)/7, SE: 3 + float64(i)/11, SS: 36556.2 + float64(i)/3}
		w.Metrics = append(w.Metrics, judge.MetricSummary{Name: fmt.Sprintf("m%d", i), Class: judge.ClassPass, Canary: side, Baseline: side})
	}
	if err := s.InRelease(ctx, "r1", func(tx store.ReleaseTx) error {
		return tx.SaveAnalysis(ctx, &store.Analysis{Window: w, PolicyVersion: 1, CreatedAt: t0, Result: &judge.Result{Verdict: judge.VerdictPass}})
	}); err != nil {
		t.Fatal(err)
	}
	var method string
	if err := s.Pool().QueryRow(ctx, `SELECT coalesce(pg_column_compression(summary), 'none') FROM analyses`).Scan(&method); err != nil || method != "lz4" {
		t.Errorf("a 40-metric summary is stored compressed with %q (%v), want lz4", method, err)
	}
	as, err := s.Analyses(ctx, "r1", 0)
	if err != nil || len(as) != 1 {
		t.Fatalf("Analyses = %d, %v", len(as), err)
	}
	got, _ := json.Marshal(as[0].Window.Metrics)
	if wantJSON, _ := json.Marshal(w.Metrics); !bytes.Equal(got, wantJSON) {
		t.Errorf("summary read back differs from the one written:\n got %.200s\nwant %.200s", got, wantJSON)
	}
}
