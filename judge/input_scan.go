package judge

import (
	"math"
	"strconv"
	"unicode/utf8"
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
	s := scanner{b: b}
	out, ok := s.samples()
	return out, ok && s.end()
}

// ScanSamplesPrefix reads a side as scanSamples does from the start of b
// (whitespace first allowed) and says how many bytes it took; whatever
// follows is the caller's. A server reads a request's sides in place with
// it; false means the side needs the full decoding (Side.UnmarshalJSON).
func ScanSamplesPrefix(b []byte) (Samples, int, bool) {
	s := scanner{b: b}
	out, ok := s.samples()
	return out, s.i, ok
}

// samples reads one object of names to points.
func (s *scanner) samples() (Samples, bool) {
	if !s.skip('{') {
		return nil, false
	}
	out := Samples{}
	if s.skip('}') {
		return out, true
	}
	for {
		name, ok := s.name()
		if !ok || !s.skip(':') {
			return nil, false
		}
		xs, ok := s.points()
		if !ok {
			return nil, false
		}
		out[name] = xs
		if s.skip(',') {
			continue
		}
		if s.skip('}') {
			return out, true
		}
		return nil, false
	}
}

type scanner struct {
	b []byte
	i int
}

// ws skips JSON whitespace.
func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// skip consumes c (after whitespace) if it is next.
func (s *scanner) skip(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (s *scanner) end() bool {
	s.ws()
	return s.i == len(s.b)
}

// name reads a quoted name without escapes or control characters.
func (s *scanner) name() (string, bool) {
	if !s.skip('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			n := s.b[start:s.i]
			s.i++
			return string(n), utf8.Valid(n)
		case c == '\\' || c < 0x20:
			return "", false
		}
		s.i++
	}
	return "", false
}

// points reads null (an empty list) or an array of numbers and nulls.
func (s *scanner) points() ([]float64, bool) {
	s.ws()
	if s.literalNull() {
		return []float64{}, true
	}
	if !s.skip('[') {
		return nil, false
	}
	xs := make([]float64, 0, 64)
	if s.skip(']') {
		return xs, true
	}
	for {
		s.ws()
		x, ok := s.point()
		if !ok || len(xs) == MaxPoints {
			return nil, false
		}
		xs = append(xs, x)
		if s.skip(',') {
			continue
		}
		return xs, s.skip(']')
	}
}

// point reads null (NaN) or a number in JSON's grammar that float64 holds.
func (s *scanner) point() (float64, bool) {
	if s.literalNull() {
		return math.NaN(), true
	}
	start := s.i
	if !s.number() {
		return 0, false
	}
	x, err := strconv.ParseFloat(string(s.b[start:s.i]), 64)
	return x, err == nil
}

func (s *scanner) literalNull() bool {
	if len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// number consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?.
func (s *scanner) number() bool {
	if s.i < len(s.b) && s.b[s.i] == '-' {
		s.i++
	}
	switch {
	case s.i < len(s.b) && s.b[s.i] == '0':
		s.i++
	case s.i < len(s.b) && s.b[s.i] >= '1' && s.b[s.i] <= '9':
		s.digits()
	default:
		return false
	}
	if s.i < len(s.b) && s.b[s.i] == '.' {
		s.i++
		if !s.digits() {
			return false
		}
	}
	if s.i < len(s.b) && (s.b[s.i] == 'e' || s.b[s.i] == 'E') {
		s.i++
		if s.i < len(s.b) && (s.b[s.i] == '+' || s.b[s.i] == '-') {
			s.i++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits consumes one or more digits.
func (s *scanner) digits() bool {
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		s.i++
	}
	return s.i > start
}
