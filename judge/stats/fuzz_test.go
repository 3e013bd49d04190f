package stats

import (
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// FuzzMannWhitney: arbitrary samples and options never panic, and a result
// without an error (or with ErrAllTied) always has a p-value in [0, 1].
func FuzzMannWhitney(f *testing.F) {
	enc := func(v ...float64) []byte {
		b := make([]byte, 0, 8*len(v))
		for _, x := range v {
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
		return b
	}
	f.Add(enc(1, 2, 3, 4, 5), uint8(2), uint8(0), 0.95, 0.0)
	f.Add(enc(0, 0, 0, 0.5, 0, 0), uint8(3), uint8(4), 0.9, 0.25)
	f.Add(enc(1e308, -1e308, 5e-324, 0), uint8(1), uint8(17), 0.5, -1.0)
	f.Add(enc(3, 3, 3, 3), uint8(2), uint8(5), 0.99, 0.0)
	f.Add(enc(math.NaN(), 1, 2), uint8(1), uint8(0), 0.95, 0.0)
	f.Fuzz(func(t *testing.T, data []byte, nx, flags uint8, conf, mu float64) {
		vals := make([]float64, 0, len(data)/8)
		for i := 0; i+8 <= len(data) && len(vals) < 512; i += 8 {
			vals = append(vals, math.Float64frombits(binary.LittleEndian.Uint64(data[i:])))
		}
		if len(vals) == 0 {
			return
		}
		k := int(nx) % (len(vals) + 1)
		x, y := vals[:k], vals[k:]
		opt := Options{
			Alternative: []Alternative{TwoSided, Greater, Less}[flags%3],
			Exact:       []ExactMode{ExactAuto, ExactForce, ExactNormal}[flags/3%3],
			Correct:     flags&16 != 0,
			ConfInt:     flags&32 == 0,
			ConfLevel:   conf,
			Mu:          mu,
		}
		r, err := MannWhitney(x, y, opt)
		if err != nil && !errors.Is(err, ErrAllTied) {
			return
		}
		if math.IsNaN(r.PValue) || r.PValue < 0 || r.PValue > 1 {
			t.Fatalf("p = %v without an error (x %v, y %v, %+v)", r.PValue, x, y, opt)
		}
		if errors.Is(err, ErrAllTied) && (r.PValue != 1 || r.HasEstimate) {
			t.Fatalf("all tied: %+v", r)
		}
		if r.HasEstimate {
			lo, est, hi := r.ConfInt[0], r.Estimate, r.ConfInt[1]
			if math.IsNaN(est) || math.IsNaN(lo) || math.IsNaN(hi) || lo > hi {
				t.Fatalf("estimate %v interval %v (x %v, y %v, %+v)", est, r.ConfInt, x, y, opt)
			}
			if r.ConfLevel >= 0.5 && (est < lo || est > hi) {
				t.Fatalf("estimate %v outside %v (x %v, y %v, %+v)", est, r.ConfInt, x, y, opt)
			}
		}
	})
}

// FuzzKth: every order statistic of the implicit differences equals the one
// found by sorting all of them, whatever the values (ties, zeros of both
// signs, extremes whose differences overflow to ±Inf).
func FuzzKth(f *testing.F) {
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, uint8(1))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f}, uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, nx uint8) {
		var vals []float64
		for i := 0; i+8 <= len(data) && len(vals) < 64; i += 8 {
			v := math.Float64frombits(binary.LittleEndian.Uint64(data[i:]))
			if math.IsNaN(v) || math.IsInf(v, 0) {
				v = float64(data[i])
			}
			vals = append(vals, v)
		}
		if len(vals) < 2 {
			return
		}
		k := int(nx)%(len(vals)-1) + 1
		x, y := vals[:k], vals[k:]
		p := newPairs(sortedCopy(x), sortedCopy(y))
		d := allDiffs(x, y)
		for i, want := range d {
			if got := p.kth(int64(i + 1)); got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
				t.Fatalf("kth(%d) = %v, want %v (x %v, y %v)", i+1, got, want, x, y)
			}
		}
	})
}
