package server

import (
	"bytes"
	"slices"

	"github.com/canaryjudge/canaryjudge/judge"
	"github.com/canaryjudge/canaryjudge/judge/jsonscan"
)

// splitAnalysis reads the usual analysis body in one pass, without
// encoding/json's decoder scanning (and copying) the 1,200 points before
// the judge reads them again: an object whose keys, written plainly and
// each once, are among canary and baseline (null, or a side of names to
// arrays of numbers and nulls, read in place by judge.ScanSamplesPrefix)
// and source_error and window (decoded strictly from an object of their
// own, as decodeStrict decodes the whole). A side is nil when absent or
// null. Anything else (another key, a key escaped or cased differently, a
// repeated key, a count metric, a syntax error) reports false, and the
// caller decodes the body the full way, whose answers and errors are the
// reference (TestSplitAnalysisAgrees).
func splitAnalysis(body []byte) (raw analysisBody, sides [2]*judge.Side, ok bool) {
	s := topScanner{jsonscan.Scanner{B: body}}
	if !s.Skip('{') {
		return raw, sides, false
	}
	var rest bytes.Buffer
	rest.WriteByte('{')
	var seen [len(splitKeys)]bool
	for first := true; ; first = false {
		if first && s.Skip('}') {
			break
		}
		key, ok := s.Name()
		k := slices.Index(splitKeys[:], key)
		if !ok || k < 0 || seen[k] || !s.Skip(':') {
			return raw, sides, false
		}
		seen[k] = true
		switch key {
		case "canary", "baseline":
			side, ok := s.side()
			if !ok {
				return raw, sides, false
			}
			sides[k] = side
		default: // source_error, window
			v, ok := s.value()
			if !ok {
				return raw, sides, false
			}
			if rest.Len() > 1 {
				rest.WriteByte(',')
			}
			rest.WriteString(`"` + key + `":`)
			rest.Write(v)
		}
		if s.Skip(',') {
			continue
		}
		if !s.Skip('}') {
			return raw, sides, false
		}
		break
	}
	if !s.End() {
		return raw, sides, false
	}
	rest.WriteByte('}')
	if decodeStrict(rest.Bytes(), &raw) != nil {
		return raw, sides, false
	}
	return raw, sides, true
}

// splitKeys are the keys splitAnalysis reads, the sides first (in the
// order of its sides).
var splitKeys = [...]string{"canary", "baseline", "source_error", "window"}

// topScanner walks the body's top-level object with the judge's scanner,
// adding what only this level needs: sides in place and values skipped.
type topScanner struct{ jsonscan.Scanner }

// side reads null (nil) or a side the judge's scanner takes.
func (s *topScanner) side() (*judge.Side, bool) {
	s.WS()
	if s.Null() {
		return nil, true
	}
	samples, n, ok := judge.ScanSamplesPrefix(s.B[s.I:])
	if !ok {
		return nil, false
	}
	s.I += n
	return &judge.Side{Series: samples, Counts: map[string]judge.Count{}}, true
}

// value returns the bytes of the next value: a string, an object or
// array (brackets balanced, strings skipped), or a literal or number (up to
// the next delimiter). It does not validate them: decodeStrict does.
func (s *topScanner) value() ([]byte, bool) {
	s.WS()
	start, depth := s.I, 0
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			if !s.str() {
				return nil, false
			}
			if depth == 0 {
				return s.B[start:s.I], true
			}
			continue
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return s.B[start:s.I], s.I > start
			}
			if depth--; depth == 0 {
				s.I++
				return s.B[start:s.I], true
			}
		case c == ',' && depth == 0:
			return s.B[start:s.I], s.I > start
		}
		s.I++
	}
	return nil, false
}

// str skips a string (at its opening quote) with its escapes.
func (s *topScanner) str() bool {
	for s.I++; s.I < len(s.B); s.I++ {
		switch s.B[s.I] {
		case '\\':
			s.I++
		case '"':
			s.I++
			return true
		}
	}
	return false
}
