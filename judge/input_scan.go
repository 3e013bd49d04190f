package judge

import (
	"math"
	"strconv"

	"github.com/canaryjudge/canaryjudge/judge/jsonscan"
)

// scanSamples reads the common shape of a side, an object of metric names
// to arrays of JSON numbers and nulls, in one pass without reflection or
// a pointer per point (json.Unmarshal into map[string][]*float64 was a
// tenth of a decision's CPU). It gives exactly what that decoding gives
// (a null point is NaN, a null list is empty, a repeated name keeps its
// last list) or reports false for anything else: escapes or control
// characters in a name, invalid UTF-8, strings, objects, numbers JSON does
// not allow or float64 cannot hold, more than MaxPoints points; the
// callers then take the slower paths, which decide those cases as before.
func scanSamples(b []byte) (Samples, bool) {
	s := &jsonscan.Scanner{B: b}
	out, ok := samples(s)
	return out, ok && s.End()
}

// ScanSamplesPrefix reads a side as scanSamples does from the start of b
// (whitespace first allowed) and says how many bytes it took; whatever
// follows is the caller's. A server reads a request's sides in place with
// it; false means the side needs the full decoding (Side.UnmarshalJSON).
func ScanSamplesPrefix(b []byte) (Samples, int, bool) {
	s := &jsonscan.Scanner{B: b}
	out, ok := samples(s)
	return out, s.I, ok
}

// samples reads one object of names to points.
func samples(s *jsonscan.Scanner) (Samples, bool) {
	if !s.Skip('{') {
		return nil, false
	}
	out := Samples{}
	if s.Skip('}') {
		return out, true
	}
	for {
		name, ok := s.Name()
		if !ok || !s.Skip(':') {
			return nil, false
		}
		xs, ok := points(s)
		if !ok {
			return nil, false
		}
		out[name] = xs
		if s.Skip(',') {
			continue
		}
		if s.Skip('}') {
			return out, true
		}
		return nil, false
	}
}

// points reads null (an empty list) or an array of numbers and nulls.
func points(s *jsonscan.Scanner) ([]float64, bool) {
	s.WS()
	if s.Null() {
		return []float64{}, true
	}
	if !s.Skip('[') {
		return nil, false
	}
	xs := make([]float64, 0, 64)
	if s.Skip(']') {
		return xs, true
	}
	for {
		s.WS()
		x, ok := point(s)
		if !ok || len(xs) == MaxPoints {
			return nil, false
		}
		xs = append(xs, x)
		if s.Skip(',') {
			continue
		}
		return xs, s.Skip(']')
	}
}

// point reads null (NaN) or a number in JSON's grammar that float64 holds.
func point(s *jsonscan.Scanner) (float64, bool) {
	if s.Null() {
		return math.NaN(), true
	}
	start := s.I
	if !s.Number() {
		return 0, false
	}
	if x, ok := shortDecimal(s.B[start:s.I]); ok {
		return x, true
	}
	x, err := strconv.ParseFloat(string(s.B[start:s.I]), 64)
	return x, err == nil
}

// pow10 holds the powers of ten a float64 holds exactly, up to 10^15.
var pow10 = [16]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// shortDecimal is strconv.ParseFloat's value of a JSON number token
// without an exponent and with at most 15 digits, as measurements are
// sent ("103.96"), found without strconv's general path: its digits and
// 10^decimals are both exact in a float64, so one division, which IEEE
// rounds correctly, gives the correctly rounded value (Clinger's fast
// path). Anything else reports false. FuzzShortDecimal holds it to
// strconv bit for bit.
func shortDecimal(tok []byte) (float64, bool) {
	i, neg := 0, false
	if len(tok) > 0 && tok[0] == '-' {
		i, neg = 1, true
	}
	var m uint64
	digits, decimals, point := 0, 0, false
	for ; i < len(tok); i++ {
		switch c := tok[i]; {
		case c >= '0' && c <= '9':
			m = m*10 + uint64(c-'0')
			digits++
			if point {
				decimals++
			}
		case c == '.' && !point:
			point = true
		default:
			return 0, false // an exponent
		}
	}
	if digits == 0 || digits > 15 {
		return 0, false
	}
	x := float64(m) / pow10[decimals]
	if neg {
		x = -x
	}
	return x, true
}
