package judge

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// sameSamples reports whether a and b hold the same series, bit for bit
// (NaN equal to NaN).
func sameSamples(a, b Samples) bool {
	if len(a) != len(b) {
		return false
	}
	for k, xs := range a {
		ys, ok := b[k]
		if !ok || len(xs) != len(ys) {
			return false
		}
		for i := range xs {
			if math.Float64bits(xs[i]) != math.Float64bits(ys[i]) && !(math.IsNaN(xs[i]) && math.IsNaN(ys[i])) {
				return false
			}
		}
	}
	return true
}

// checkScan: whatever scanSamples accepts, encoding/json's decoding (the
// oracle, parseSamplesFast) accepts too, with the same series.
func checkScan(t *testing.T, body string) (accepted bool) {
	t.Helper()
	got, ok := scanSamples([]byte(body))
	if !ok {
		return false
	}
	want, wok := parseSamplesFast([]byte(body))
	if !wok || !sameSamples(got, want) {
		t.Fatalf("%q: scanSamples = %v, encoding/json = %v (ok %v)", body, got, want, wok)
	}
	return true
}

var (
	cleanNames = []string{"m", "latency_p99", "a.b-c", "ünï", "x y"}
	oddNames   = []string{`a"b`, `a\b`, "a\tb", "a\x00b", "\xff", "", "\u2028"} // %q escapes them (\x00 and \xff as JSON does not allow)
	cleanVals  = []string{"0", "-0", "1", "-12.5", "3.25e-3", "1E+10", "6.02e23", "0.1", "null", "1.7976931348623157e308", "5e-324"}
	oddVals    = []string{"01", "1.", ".5", "-", "+1", "1e", "1e400", "NaN", `"NaN"`, `"+Inf"`, "Infinity", "0x10", "true", "{}", "[]", `"1"`, "1_0"}
	spaces     = []string{"", " ", "\n", "\t ", "\r\n"}
)

// randomSide draws a side body; clean ones use only what the fast path
// is for (and must be accepted).
func randomSide(r *rand.Rand, clean bool) string {
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	sp := func() string { return pick(spaces) }
	var b strings.Builder
	b.WriteString(sp() + "{")
	for k := range r.IntN(4) {
		if k > 0 {
			b.WriteString(sp() + ",")
		}
		name := pick(cleanNames)
		if !clean && r.IntN(4) == 0 {
			name = pick(oddNames)
		}
		fmt.Fprintf(&b, "%s%q%s:%s", sp(), name, sp(), sp())
		if r.IntN(10) == 0 {
			b.WriteString("null")
			continue
		}
		b.WriteString("[")
		for i := range r.IntN(8) {
			if i > 0 {
				b.WriteString(sp() + "," + sp())
			}
			v := pick(cleanVals)
			if !clean && r.IntN(5) == 0 {
				v = pick(oddVals)
			}
			b.WriteString(v)
		}
		b.WriteString(sp() + "]")
	}
	b.WriteString(sp() + "}" + sp())
	s := b.String()
	if !clean && r.IntN(4) == 0 && len(s) > 0 { // a random byte cut or changed
		i := r.IntN(len(s))
		const bytes = "{}[],:\"0-.e\\ n"
		s = s[:i] + string(bytes[r.IntN(len(bytes))]) + s[i+1:]
	}
	return s
}

func TestScanSamplesAgreesWithEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	for range 20000 {
		if body := randomSide(r, true); !checkScan(t, body) && !strings.Contains(body, "\\") {
			t.Fatalf("%q: a side of names, numbers and nulls went past the fast path", body)
		}
		checkScan(t, randomSide(r, false))
	}
	for _, odd := range append(oddVals, "1e400") {
		if body := `{"m":[1,` + odd + `]}`; checkScan(t, body) && odd != "[]" {
			t.Errorf("%q: accepted", body)
		}
	}
	long := `{"m":[` + strings.Repeat("1,", MaxPoints) + `1]}`
	if checkScan(t, long) {
		t.Errorf("%d points accepted, the limit is %d", MaxPoints+1, MaxPoints)
	}
}

func FuzzScanSamples(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 1))
	for range 50 {
		f.Add(randomSide(r, r.IntN(2) == 0))
	}
	f.Fuzz(func(t *testing.T, body string) { checkScan(t, body) })
}
