package judge

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestResultJSONMatchesEncodingJSON: AppendJSON writes what encoding/json
// (HTML escaping off, as store.EncodeJSON) writes, byte for byte, on random
// results whose every exported field, nested ones included, is set or left
// zero at random. The oracle is encoding/json; a field added to a result
// type and not written by AppendJSON makes the two differ.
func TestResultJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 8))
	for i := range 3000 {
		var res Result
		fillRandom(r, reflect.ValueOf(&res).Elem(), 0)
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		wantErr := enc.Encode(&res)
		got, err := res.AppendJSON(nil)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("case %d: error %v, encoding/json's %v", i, err, wantErr)
		}
		if wantErr == nil && !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d differs:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
	// A NaN is an error, as in encoding/json.
	if _, err := (&Result{Score: math.NaN()}).AppendJSON(nil); err == nil {
		t.Error("a NaN score was written")
	}
}

// BenchmarkResultJSON: a result of 10 metrics, by AppendJSON and by
// encoding/json.
func BenchmarkResultJSON(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	res := Result{Verdict: VerdictPass, Reason: "score 100.00 (pass >= 75, marginal >= 50)"}
	for i := range 10 {
		var m MetricResult
		fillRandom(r, reflect.ValueOf(&m).Elem(), 1)
		m.Name = "m" + string(rune('0'+i))
		m.Canary.PerInstance, m.Baseline.PerInstance = nil, nil
		res.Metrics = append(res.Metrics, m)
	}
	b.Run("append", func(b *testing.B) {
		buf := make([]byte, 0, 16<<10)
		for b.Loop() {
			if _, err := res.AppendJSON(buf[:0]); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding_json", func(b *testing.B) {
		for b.Loop() {
			var out bytes.Buffer
			enc := json.NewEncoder(&out)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&res); err != nil {
				b.Fatal(err)
			}
		}
	})
}

var (
	jsonStrings = []string{"", "pass", "m0", `quote " and \ backslash`, "<tag> & amp", "tab\tnew\nline\r\b\f",
		"\x00\x01\x1f\x7f", "caf\u00e9 \u2028 \u2029 \U0001F600", "bad \xff\xfe utf-8", "\xed\xa0\x80 surrogate"}
	jsonFloats = []float64{0, math.Copysign(0, -1), 1, -1, 0.5, 1.0150911334866057, 102.94766666666666,
		1e-6, 9.99e-7, 1e-7, 1.5e-300, -4.9e-324, 1e20, 1e21, 1.7976931348623157e308, -123456789.125, 100}
)

// fillRandom sets v's exported fields at random: pointers, slices and maps
// nil, empty or filled; strings and numbers from lists that reach every
// branch of encoding/json's writers.
func fillRandom(r *rand.Rand, v reflect.Value, depth int) {
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fillRandom(r, v.Field(i), depth)
			}
		}
	case reflect.Pointer:
		if r.IntN(3) > 0 {
			v.Set(reflect.New(v.Type().Elem()))
			fillRandom(r, v.Elem(), depth+1)
		}
	case reflect.Slice:
		if n := r.IntN(4) - 1; n >= 0 && depth < 3 {
			v.Set(reflect.MakeSlice(v.Type(), n, n))
			for i := range n {
				fillRandom(r, v.Index(i), depth+1)
			}
		}
	case reflect.Map:
		if n := r.IntN(4) - 1; n >= 0 && depth < 3 {
			v.Set(reflect.MakeMap(v.Type()))
			for range n {
				k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
				fillRandom(r, k, depth+1)
				fillRandom(r, e, depth+1)
				v.SetMapIndex(k, e)
			}
		}
	case reflect.Array:
		for i := range v.Len() {
			fillRandom(r, v.Index(i), depth)
		}
	case reflect.String:
		v.SetString(jsonStrings[r.IntN(len(jsonStrings))])
	case reflect.Float64:
		if r.IntN(4) == 0 {
			v.SetFloat(r.NormFloat64() * math.Pow(10, float64(r.IntN(40)-20)))
		} else {
			v.SetFloat(jsonFloats[r.IntN(len(jsonFloats))])
		}
	case reflect.Int:
		v.SetInt(int64(r.IntN(5)) - 1)
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	}
}

// TestSummariesJSONMatchesEncodingJSON: AppendSummariesJSON writes what
// encoding/json (HTML escaping off) writes, on random summaries.
func TestSummariesJSONMatchesEncodingJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 9))
	nz := math.Copysign(0, -1) // -0 lags are zero to omitzero, as 0 is
	fixed := []MetricSummary{{Canary: SideSummary{Lags: [3]float64{nz, 0, nz}}, Baseline: SideSummary{Lags: [3]float64{0, 0, 1e-7}}}}
	for i := range 3000 {
		ms := fixed
		if i > 0 {
			ms = nil
			fillRandom(r, reflect.ValueOf(&ms).Elem(), 0)
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		wantErr := enc.Encode(ms)
		got, err := AppendSummariesJSON(nil, ms)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("case %d: error %v, encoding/json's %v", i, err, wantErr)
		}
		if wantErr == nil && !bytes.Equal(append(got, '\n'), want.Bytes()) {
			t.Fatalf("case %d differs:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}
