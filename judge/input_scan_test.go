package judge

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"
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

// TestShortDecimal: the fast path gives strconv.ParseFloat's float64 bit
// for bit on the forms it takes, and declines the rest.
func TestShortDecimal(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 16))
	toks := []string{"0", "-0", "0.0", "-0.000", "1", "103.96", "0.1", "0.3", "123456789012345", "-99999999999999.9",
		"0.000000000000001", "9007199254740993", "1234567890123456", "1e5", "1.5E-3", "1.", "", "-"}
	for range 20000 {
		digits := 1 + r.IntN(16)
		b := []byte{}
		if r.IntN(2) == 0 {
			b = append(b, '-')
		}
		point := r.IntN(digits + 1)
		for i := range digits {
			if i == point && i > 0 {
				b = append(b, '.')
			}
			b = append(b, byte('0'+r.IntN(10)))
		}
		toks = append(toks, string(b))
	}
	for _, tok := range toks {
		checkShortDecimal(t, tok)
	}
}

func checkShortDecimal(t *testing.T, tok string) {
	t.Helper()
	got, ok := shortDecimal([]byte(tok))
	want, err := strconv.ParseFloat(tok, 64)
	if ok && (err != nil || math.Float64bits(got) != math.Float64bits(want)) {
		t.Fatalf("%q: fast path %v, strconv %v (%v)", tok, got, want, err)
	}
	plain := err == nil && strings.Trim(tok, "-.0123456789") == "" && strings.Count(tok, "-") <= 1
	if digits := len(strings.NewReplacer("-", "", ".", "").Replace(tok)); plain && digits <= 15 && !ok {
		t.Fatalf("%q: a short plain decimal was declined", tok)
	}
}

func FuzzShortDecimal(f *testing.F) {
	for _, tok := range []string{"103.96", "-0.5", "123456789012345", "1e5", "0.000000000000001"} {
		f.Add(tok)
	}
	f.Fuzz(func(t *testing.T, tok string) { checkShortDecimal(t, tok) })
}

// BenchmarkScanSamples: one side of a window, 10 metrics x 60 points with
// two decimals, as clients send it.
func BenchmarkScanSamples(b *testing.B) {
	r := rand.New(rand.NewPCG(3, 4))
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 10 {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, `"m%d":[`, i)
		for j := range 60 {
			if j > 0 {
				sb.WriteString(",")
			}
			sb.WriteString(strconv.FormatFloat(math.Round(100*math.Exp(0.25*r.NormFloat64())*100)/100, 'f', -1, 64))
		}
		sb.WriteString("]")
	}
	sb.WriteString("}")
	body := []byte(sb.String())
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, ok := scanSamples(body); !ok {
			b.Fatal("not scanned")
		}
	}
}
