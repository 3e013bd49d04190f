package postgres

import (
	"bytes"
	"compress/flate"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// window is a request body as a client sends a window of series: 10
// metrics x 60 points per side, log-normal with two decimals.
func window(r *rand.Rand) []byte {
	side := func() map[string][]float64 {
		out := map[string][]float64{}
		for i := range 10 {
			xs := make([]float64, 60)
			for j := range xs {
				xs[j] = math.Round(100*math.Exp(0.25*r.NormFloat64())*100) / 100
			}
			out[fmt.Sprintf("m%d", i)] = xs
		}
		return out
	}
	b, _ := json.Marshal(map[string]any{"canary": side(), "baseline": side(), "window": map[string]string{"start": "2026-12-08T00:00:00Z"}})
	return b
}

func TestNumpackRoundTrip(t *testing.T) {
	for _, body := range []string{
		`{"a":[1,2.5,-0,-0.0,0.05,1.50,103.96,12345678901234567,123456789012345678,1e5,1.5E-3,-7,0.000]}`,
		`[0,-1,10,-10.25,99999999999999999]`,
		`{"s":"103.96 in a string, \"42\" too","n":42}`,
		"\xff\xfe bytes that are marks 1.5 \xfe\xff 2.25",
		`{"bad":01.5,"x":-,"y":1.,"z":.5,"w":- 3}`,
		`12.5`, `"\\"3.5`,
	} {
		z, ok := packNumbers([]byte(body))
		if !ok {
			t.Errorf("%q: not packed", body)
			continue
		}
		back, err := unpackNumbers(z)
		if err != nil || string(back) != body {
			t.Errorf("%q: back %q, %v", body, back, err)
		}
	}
	for _, body := range []string{`{"no":"numbers"}`, `-`, `"`, `\`, `"3.5"`, `1e5`, ``} {
		if _, ok := packNumbers([]byte(body)); ok {
			t.Errorf("%q, without a number to pack, was packed", body)
		}
	}
}

// On a window of series numpack keeps about two thirds of what DEFLATE
// (Huffman only, as the audit input was kept) does.
func TestNumpackSmallerThanDeflate(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 5 {
		body := window(r)
		z, ok := packNumbers(body)
		if !ok {
			t.Fatal("a window was not packed")
		}
		var d bytes.Buffer
		w, _ := flate.NewWriter(&d, flate.HuffmanOnly)
		_, _ = w.Write(body)
		_ = w.Close()
		t.Logf("%d bytes: DEFLATE %d, numpack %d", len(body), d.Len(), len(z))
		if float64(len(z)) > 0.75*float64(d.Len()) {
			t.Errorf("numpack %d bytes against DEFLATE's %d", len(z), d.Len())
		}
	}
}

func TestNumpackRejectsDamage(t *testing.T) {
	z, _ := packNumbers(window(rand.New(rand.NewPCG(5, 6))))
	for _, bad := range [][]byte{nil, {2}, z[:len(z)/2], append([]byte{numpackVersion}, 0x01, 0x02)} {
		if _, err := unpackNumbers(bad); err == nil {
			t.Errorf("% x...: no error", bad[:min(len(bad), 8)])
		}
	}
}

func FuzzNumpack(f *testing.F) {
	f.Add([]byte(`{"a":[1,2.5,-0.05,1e5]}`))
	f.Add(window(rand.New(rand.NewPCG(1, 1)))[:300])
	f.Add([]byte("\xff1.5\xfe"))
	f.Fuzz(func(t *testing.T, body []byte) {
		z, ok := packNumbers(body)
		if !ok {
			return
		}
		back, err := unpackNumbers(z)
		if err != nil || !bytes.Equal(back, body) {
			t.Fatalf("%q: back %q, %v", body, back, err)
		}
	})
}

// BenchmarkAuditInput: storing a window's series as the audit input,
// packed or DEFLATE-compressed (Huffman only) as before.
func BenchmarkAuditInput(b *testing.B) {
	body := window(rand.New(rand.NewPCG(7, 8)))
	b.Run("numpack", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, ok := packNumbers(body); !ok {
				b.Fatal("not packed")
			}
		}
	})
	b.Run("deflate", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			deflate(huffmanWriters, body)
		}
	})
}

// FuzzUnpackNumbers: whatever the stored bytes, unpacking returns a body or
// an error, never a panic.
func FuzzUnpackNumbers(f *testing.F) {
	z, _ := packNumbers([]byte(`{"a":[1,2.5,-0.05,123456.789,-1.23456]}`))
	f.Add(z)
	f.Add([]byte{numpackVersion, 1, 0xF7})
	f.Fuzz(func(t *testing.T, z []byte) {
		_, _ = unpackNumbers(z)
	})
}
