// Package jsonscan is a small forward scanner over JSON text for the hot
// paths that read one fixed shape in place (a side's series in judge, an
// analysis body's top level in the server) instead of through
// encoding/json's reflection. It recognises JSON's grammar exactly where it
// accepts something and reports false for anything it does not handle, so
// its callers can step aside to encoding/json, which stays the reference.
package jsonscan

import "unicode/utf8"

// Scanner reads B from I on.
type Scanner struct {
	B []byte
	I int
}

// WS skips JSON whitespace (space, tab, CR, LF).
func (s *Scanner) WS() {
	for s.I < len(s.B) {
		switch s.B[s.I] {
		case ' ', '\t', '\n', '\r':
			s.I++
		default:
			return
		}
	}
}

// Skip consumes c (after whitespace) if it is next.
func (s *Scanner) Skip(c byte) bool {
	s.WS()
	if s.I < len(s.B) && s.B[s.I] == c {
		s.I++
		return true
	}
	return false
}

// End reports whether only whitespace is left.
func (s *Scanner) End() bool {
	s.WS()
	return s.I == len(s.B)
}

// Name reads a quoted string (after whitespace) without escapes or control
// characters, in valid UTF-8: an object key as it is written.
func (s *Scanner) Name() (string, bool) {
	if !s.Skip('"') {
		return "", false
	}
	start := s.I
	for s.I < len(s.B) {
		c := s.B[s.I]
		switch {
		case c == '"':
			n := s.B[start:s.I]
			s.I++
			return string(n), utf8.Valid(n)
		case c == '\\' || c < 0x20:
			return "", false
		}
		s.I++
	}
	return "", false
}

// Null consumes the literal null if it is next (no whitespace skipped).
func (s *Scanner) Null() bool {
	if len(s.B)-s.I >= 4 && string(s.B[s.I:s.I+4]) == "null" {
		s.I += 4
		return true
	}
	return false
}

// Number consumes -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? and
// reports whether one was there.
func (s *Scanner) Number() bool {
	if s.I < len(s.B) && s.B[s.I] == '-' {
		s.I++
	}
	switch {
	case s.I < len(s.B) && s.B[s.I] == '0':
		s.I++
	case s.I < len(s.B) && s.B[s.I] >= '1' && s.B[s.I] <= '9':
		s.digits()
	default:
		return false
	}
	if s.I < len(s.B) && s.B[s.I] == '.' {
		s.I++
		if !s.digits() {
			return false
		}
	}
	if s.I < len(s.B) && (s.B[s.I] == 'e' || s.B[s.I] == 'E') {
		s.I++
		if s.I < len(s.B) && (s.B[s.I] == '+' || s.B[s.I] == '-') {
			s.I++
		}
		if !s.digits() {
			return false
		}
	}
	return true
}

// digits consumes one or more digits.
func (s *Scanner) digits() bool {
	start := s.I
	for s.I < len(s.B) && s.B[s.I] >= '0' && s.B[s.I] <= '9' {
		s.I++
	}
	return s.I > start
}
