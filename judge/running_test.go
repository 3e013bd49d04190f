package judge

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// randomWindow draws one window of a random release: healthy, doubled or
// spiking errors, a slow latency, thin traffic, a source error, an
// infinite latency point, a side without data.
func randomWindow(t *testing.T, p Policy, r *rand.Rand) (*Result, string) {
	kinds := []win{healthy, spike, slow, thinHeal, thinBad, edgeX125, noSource, ceilingHi}
	w := kinds[r.IntN(len(kinds))]
	if w.sourceErr {
		return nil, "timeout"
	}
	n := 6 + r.IntN(60)
	c := Side{Series: Samples{"latency": scale(latency(r, n, 0.2, 0.05), w.latency), "cpu": ar1Series(r.Uint64(), n, 40, 2, 0.3)},
		Counts: map[string]Count{"errors": even(w.ce*(0.5+r.Float64()), w.ct, n)}}
	b := Side{Series: Samples{"latency": latency(r, n, 0.2, 0.05), "cpu": ar1Series(r.Uint64(), n, 40, 2, 0.3)},
		Counts: map[string]Count{"errors": even(w.be*(0.5+r.Float64()), w.bt, n)}}
	switch r.IntN(12) {
	case 0:
		c.Series["latency"][0] = math.Inf(1)
	case 1:
		delete(c.Series, "cpu")
	}
	if p.Mode == ModeKayenta { // no count metrics: errors as a ratio series
		c.Series["errors"], b.Series["errors"] = ratioOf(c.Counts["errors"]), ratioOf(b.Counts["errors"])
		c.Counts, b.Counts = nil, nil
	}
	res := mustJudgeSides(t, p, c, b)
	return &res, ""
}

func ratioOf(c Count) []float64 {
	out := make([]float64, len(c.Total))
	for i := range out {
		out[i] = c.Events[i] / c.Total[i]
	}
	return out
}

// A release's running state, carried from window to window, gives the
// decisions that deciding from every earlier window gives, and folding the
// stored windows rebuilds it byte for byte, also after a round trip
// through its JSON (as a store keeps it). Random releases, every mode.
func TestRunningReplaysExactly(t *testing.T) {
	modes := map[string]Policy{"default": decidePolicy(), "sequential": seqPolicy()}
	k := decidePolicy()
	k.Mode, k.Metrics[0].Kind = ModeKayenta, KindRatio
	modes["kayenta"] = k
	for name, p := range modes {
		t.Run(name, func(t *testing.T) {
			for rel := range 12 {
				r := rand.New(rand.NewPCG(uint64(rel), 77))
				var hist []Window
				run := NewRunning(p, 3, nil)
				for i := range 4 + r.IntN(20) {
					res, srcErr := randomWindow(t, p, r)
					start := t0.Add(time.Duration(i) * 5 * time.Minute)
					in := AnalysisInput{Policy: p, CreatedAt: t0, Result: res, SourceErr: srcErr, Start: start, End: start.Add(5 * time.Minute), PolicyVersion: 3}
					byHistory := in
					byHistory.History = hist
					want, _ := Decide(byHistory)
					in.Running = &run
					got, next := Decide(in)
					if a, b := mustJSON(t, want), mustJSON(t, got); !bytes.Equal(a, b) {
						t.Fatalf("release %d window %d: from history\n%s\nfrom the running state\n%s", rel, i+1, a, b)
					}
					hist = append(hist, in.Window())
					// what a store keeps: the state's JSON
					data, err := next.MarshalState()
					if err != nil {
						t.Fatal(err)
					}
					if run, err = UnmarshalState(data); err != nil {
						t.Fatal(err)
					}
					if rebuilt, _ := NewRunning(p, 3, hist).MarshalState(); !rebuilt.Equal(data) {
						t.Fatalf("release %d window %d: rebuilt state differs\n%s\n%s", rel, i+1, rebuilt, data)
					}
				}
			}
		})
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Advance never changes the state it is given.
func TestAdvanceLeavesItsInputAlone(t *testing.T) {
	p := decidePolicy()
	r := rand.New(rand.NewPCG(9, 9))
	run := NewRunning(p, 1, nil)
	for i := range 6 {
		res, _ := randomWindow(t, p, r)
		if res == nil {
			continue
		}
		before, _ := run.MarshalState()
		start := t0.Add(time.Duration(i) * time.Minute)
		next := run.Advance(p, AnalysisInput{Policy: p, Result: res, Start: start, End: start.Add(time.Minute)}.Window())
		if after, _ := run.MarshalState(); !before.Equal(after) {
			t.Fatalf("window %d: Advance changed its input", i+1)
		}
		run = next
	}
}

// FuzzUnmarshalState: any bytes decode to a state or an error, never a
// panic; a state that decodes encodes back to the same bytes.
func FuzzUnmarshalState(f *testing.F) {
	p := decidePolicy()
	r := rand.New(rand.NewPCG(4, 4))
	run := NewRunning(p, 2, nil)
	for i := range 5 {
		res, _ := randomWindow(&testing.T{}, p, r)
		start := t0.Add(time.Duration(i) * time.Minute)
		run = run.Advance(p, AnalysisInput{Policy: p, Result: res, Start: start, End: start.Add(time.Minute)}.Window())
		b, _ := run.MarshalState()
		f.Add(b.Sums, b.Extremes)
	}
	f.Add([]byte{}, []byte{})
	f.Fuzz(func(t *testing.T, sums, extremes []byte) {
		st, err := UnmarshalState(StateBytes{Sums: sums, Extremes: extremes})
		if err != nil {
			return
		}
		again, err := st.MarshalState()
		if err != nil {
			t.Fatal(err)
		}
		st2, err := UnmarshalState(again)
		if err != nil {
			t.Fatalf("re-encoded state does not decode: %v", err)
		}
		if third, _ := st2.MarshalState(); !third.Equal(again) {
			t.Fatal("round trip changed the state")
		}
	})
}
