package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/store"
)

// testAuditInputExact: an audit entry's input reads back byte for byte,
// small or large (PostgreSQL keeps one over 1 KB packed or compressed, the
// memory store as it is: a reader cannot tell), spacing, escapes and every
// way of writing a number included.
func testAuditInputExact(t *testing.T, s store.Full) {
	ctx := context.Background()
	var pts []string
	for i := range 1500 {
		pts = append(pts, fmt.Sprintf("%.3f", float64((i*7919)%10007)/7))
	}
	inputs := [][]byte{
		[]byte(`{"reason":"maintenance"}`),
		[]byte(`{"canary": {"m": [` + strings.Join(pts, ", ") + `]}, "note": "\u00fcn\u2028\"q\""}`),
		[]byte(`{"m":[-0.5,-0,0.00,1e-3,1.5E+7,-12,12345678901234567890,0.0000001,3.10]` + strings.Repeat(`,"k":[1,-2.25,"3.5"]`, 60) + `}`),
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

// testLargeDocumentsExact: a large analysis result and a large audit
// output read back exactly (PostgreSQL keeps both compressed once over
// 1 KB, the memory store as they are: a reader cannot tell), and a small
// output as it was given.
func testLargeDocumentsExact(t *testing.T, s store.Full) {
	ctx := context.Background()
	withPolicy(t, s, "docs")
	create(t, s, release("r-docs", "docs", "eu-1"))
	a := analysis(judge.VerdictPass, 87.5, odd)
	for i := range 40 {
		p := float64(i) / 41
		a.Result.Metrics = append(a.Result.Metrics, judge.MetricResult{Name: fmt.Sprintf("metric_%d_ü\u2028", i), Group: "g",
			Direction: judge.DirIncrease, Classification: judge.ClassPass, Reason: strings.Repeat("<&> ", i%4), N: 60, M: 60, PValue: &p})
	}
	want, _ := json.Marshal(a.Result)
	outputs := [][]byte{want, []byte(`{"action": "promote"}`)}
	unit(t, s, "r-docs", func(tx store.ReleaseTx) error {
		if err := tx.SaveAnalysis(ctx, a); err != nil {
			return err
		}
		for _, out := range outputs {
			if err := tx.Audit(ctx, store.AuditEntry{At: odd, Actor: "t", Action: "analysis", Output: out}); err != nil {
				return err
			}
		}
		return nil
	})
	as, err := s.Analyses(ctx, "r-docs", 0)
	if err != nil || len(as) != 1 || as[0].Result == nil {
		t.Fatalf("Analyses = %+v, %v", as, err)
	}
	if got, _ := json.Marshal(as[0].Result); !bytes.Equal(got, want) {
		t.Errorf("result of %d bytes read back as %d bytes, not the same", len(want), len(got))
	}
	all, err := s.AuditLog(ctx, store.AuditQuery{ReleaseID: "r-docs", Limit: 10})
	var log []store.AuditEntry
	for _, e := range all {
		if e.Action == "analysis" {
			log = append(log, e)
		}
	}
	if err != nil || len(log) != len(outputs) {
		t.Fatalf("AuditLog = %d analysis entries, %v", len(log), err)
	}
	for i, e := range log {
		if !bytes.Equal(e.Output, outputs[i]) {
			t.Errorf("audit output %d (%d bytes) read back as %d bytes, not the same", i, len(outputs[i]), len(e.Output))
		}
	}
}
