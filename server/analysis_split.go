package server

import (
	"bytes"

	"github.com/canaryjudge/canaryjudge/judge"
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
	s := topScanner{b: body}
	if !s.skip('{') {
		return raw, sides, false
	}
	var rest bytes.Buffer
	rest.WriteByte('{')
	seen := map[string]bool{}
	for first := true; ; first = false {
		if first && s.skip('}') {
			break
		}
		key, ok := s.key()
		if !ok || seen[key] || !s.skip(':') {
			return raw, sides, false
		}
		seen[key] = true
		switch key {
		case "canary", "baseline":
			side, ok := s.side()
			if !ok {
				return raw, sides, false
			}
			sides[map[string]int{"canary": 0, "baseline": 1}[key]] = side
		case "source_error", "window":
			v, ok := s.value()
			if !ok {
				return raw, sides, false
			}
			if rest.Len() > 1 {
				rest.WriteByte(',')
			}
			rest.WriteString(`"` + key + `":`)
			rest.Write(v)
		default:
			return raw, sides, false
		}
		if s.skip(',') {
			continue
		}
		if !s.skip('}') {
			return raw, sides, false
		}
		break
	}
	if s.ws(); s.i != len(s.b) {
		return raw, sides, false
	}
	rest.WriteByte('}')
	if decodeStrict(rest.Bytes(), &raw) != nil {
		return raw, sides, false
	}
	return raw, sides, true
}

// topScanner walks the body's top-level object.
type topScanner struct {
	b []byte
	i int
}

func (s *topScanner) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

func (s *topScanner) skip(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// key reads a quoted key with no escape in it.
func (s *topScanner) key() (string, bool) {
	if !s.skip('"') {
		return "", false
	}
	end := bytes.IndexByte(s.b[s.i:], '"')
	if end < 0 || bytes.IndexByte(s.b[s.i:s.i+end], '\\') >= 0 {
		return "", false
	}
	k := string(s.b[s.i : s.i+end])
	s.i += end + 1
	return k, true
}

// side reads null (nil) or a side the judge's scanner takes.
func (s *topScanner) side() (*judge.Side, bool) {
	s.ws()
	if bytes.HasPrefix(s.b[s.i:], []byte("null")) {
		s.i += 4
		return nil, true
	}
	samples, n, ok := judge.ScanSamplesPrefix(s.b[s.i:])
	if !ok {
		return nil, false
	}
	s.i += n
	return &judge.Side{Series: samples, Counts: map[string]judge.Count{}}, true
}

// value returns the bytes of the next value: a string, an object or
// array (brackets balanced, strings skipped), or a literal or number (up to
// the next delimiter). It does not validate them: decodeStrict does.
func (s *topScanner) value() ([]byte, bool) {
	s.ws()
	start, depth := s.i, 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			if !s.str() {
				return nil, false
			}
			if depth == 0 {
				return s.b[start:s.i], true
			}
			continue
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth == 0 {
				return s.b[start:s.i], s.i > start
			}
			if depth--; depth == 0 {
				s.i++
				return s.b[start:s.i], true
			}
		case c == ',' && depth == 0:
			return s.b[start:s.i], s.i > start
		}
		s.i++
	}
	return nil, false
}

// str skips a string (at its opening quote) with its escapes.
func (s *topScanner) str() bool {
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	return false
}
