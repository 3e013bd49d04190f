package sqlcheck

import (
	"iter"
	"strings"
)

// A pure Go scanner for PostgreSQL's lexical structure, enough to find
// comments, semicolons, brackets, keywords and operators outside strings,
// quoted identifiers and dollar quotes. It runs before PostgreSQL's parser
// ever sees the text (limits.go measures with it), and finds the comments
// that carry allow annotations. lexer_test.go checks its comments and
// semicolons against PostgreSQL's own scanner.

type tokKind uint8

const (
	tokIdent   tokKind = iota + 1 // identifier or keyword
	tokNumber                     // numeric literal
	tokString                     // any string literal, dollar-quoted included
	tokQuoted                     // "quoted identifier"
	tokParam                      // $1
	tokOp                         // operator (+, ||, ->>, ...)
	tokPunct                      // ( ) [ ] , ; : :: .
	tokComment                    // -- line or /* block */ comment
	tokOther                      // anything else (a backslash, say)
)

type token struct {
	kind       tokKind
	start, end int // byte offsets
}

const opChars = "~!@#^&|`?+-*/%<>="

func isOpChar(c byte) bool { return strings.IndexByte(opChars, c) >= 0 }
func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}
func isIdentCont(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' || c == '$' }
func isDigit(c byte) bool     { return c >= '0' && c <= '9' }
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

// lex splits text into tokens. Unterminated strings, identifiers and
// comments run to the end of the text (PostgreSQL's scanner rejects them;
// the parser reports that).
func lex(text string) []token {
	var out []token
	for t := range tokens(text) {
		out = append(out, t)
	}
	return out
}

// tokens yields the tokens of text one by one.
func tokens(text string) iter.Seq[token] {
	return func(yield func(token) bool) {
		for i := 0; i < len(text); {
			if isSpace(text[i]) {
				i++
				continue
			}
			kind, end := lexOne(text, i)
			if !yield(token{kind, i, end}) {
				return
			}
			i = end
		}
	}
}

// lexOne scans the token that starts at i.
func lexOne(s string, i int) (tokKind, int) {
	c := s[i]
	switch {
	case strings.HasPrefix(s[i:], "--"):
		return tokComment, lineEnd(s, i)
	case strings.HasPrefix(s[i:], "/*"):
		return tokComment, blockCommentEnd(s, i)
	case c == '\'':
		return tokString, quotedEnd(s, i+1, false)
	case (c == 'e' || c == 'E') && next(s, i+1) == '\'':
		return tokString, quotedEnd(s, i+2, true)
	case (c == 'b' || c == 'B' || c == 'x' || c == 'X' || c == 'n' || c == 'N') && next(s, i+1) == '\'':
		return tokString, quotedEnd(s, i+2, false)
	case (c == 'u' || c == 'U') && next(s, i+1) == '&' && next(s, i+2) == '\'':
		return tokString, quotedEnd(s, i+3, false)
	case (c == 'u' || c == 'U') && next(s, i+1) == '&' && next(s, i+2) == '"':
		return tokQuoted, identEnd(s, i+3)
	case c == '"':
		return tokQuoted, identEnd(s, i+1)
	case c == '$':
		return dollar(s, i)
	case isIdentStart(c):
		j := i + 1
		for j < len(s) && isIdentCont(s[j]) {
			j++
		}
		return tokIdent, j
	case isDigit(c) || c == '.' && isDigit(next(s, i+1)):
		return tokNumber, numberEnd(s, i)
	case c == ':' && next(s, i+1) == ':', c == ':' && next(s, i+1) == '=', c == '.' && next(s, i+1) == '.':
		return tokPunct, i + 2
	case strings.IndexByte("()[],;:.", c) >= 0:
		return tokPunct, i + 1
	case isOpChar(c):
		return tokOp, opEnd(s, i)
	}
	return tokOther, i + 1
}

func next(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

func lineEnd(s string, i int) int {
	for i < len(s) && s[i] != '\n' && s[i] != '\r' {
		i++
	}
	return i
}

// blockCommentEnd: /* comments */ nest in PostgreSQL.
func blockCommentEnd(s string, i int) int {
	depth := 0
	for i < len(s) {
		switch {
		case strings.HasPrefix(s[i:], "/*"):
			depth++
			i += 2
		case strings.HasPrefix(s[i:], "*/"):
			depth--
			i += 2
			if depth == 0 {
				return i
			}
		default:
			i++
		}
	}
	return len(s)
}

// quotedEnd ends a '...' string: ” is a quote, backslash escapes only in
// E'...'. (PostgreSQL joins 'a' newline 'b' into one string; as its
// scanner reports the comments between them, so does this one.)
func quotedEnd(s string, i int, escapes bool) int {
	for i < len(s) {
		switch {
		case escapes && s[i] == '\\':
			i += 2
		case s[i] == '\'' && next(s, i+1) == '\'':
			i += 2
		case s[i] == '\'':
			return i + 1
		default:
			i++
		}
	}
	return len(s)
}

// identEnd ends a "quoted identifier": "" is a quote.
func identEnd(s string, i int) int {
	for i < len(s) {
		if s[i] == '"' {
			if next(s, i+1) == '"' {
				i += 2
				continue
			}
			return i + 1
		}
		i++
	}
	return len(s)
}

// dollar scans $1 (a parameter) or a $tag$ ... $tag$ string.
func dollar(s string, i int) (tokKind, int) {
	j := i + 1
	if isDigit(next(s, j)) {
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return tokParam, j
	}
	if j < len(s) && isIdentStart(s[j]) {
		for j++; j < len(s) && (isIdentStart(s[j]) || isDigit(s[j])); j++ {
		}
	}
	if next(s, j) != '$' {
		return tokOther, i + 1
	}
	delim := s[i : j+1]
	end := strings.Index(s[j+1:], delim)
	if end < 0 {
		return tokString, len(s)
	}
	return tokString, j + 1 + end + len(delim)
}

func numberEnd(s string, i int) int {
	j := i
	if s[j] == '0' && (next(s, j+1)|0x20 == 'x' || next(s, j+1)|0x20 == 'o' || next(s, j+1)|0x20 == 'b') {
		j += 2
		for j < len(s) && (isIdentCont(s[j]) && s[j] != '$') {
			j++
		}
		return j
	}
	for j < len(s) && (isDigit(s[j]) || s[j] == '_') {
		j++
	}
	if next(s, j) == '.' && next(s, j+1) != '.' {
		j++
		for j < len(s) && (isDigit(s[j]) || s[j] == '_') {
			j++
		}
	}
	if c := next(s, j); c == 'e' || c == 'E' {
		k := j + 1
		if next(s, k) == '+' || next(s, k) == '-' {
			k++
		}
		if isDigit(next(s, k)) {
			for k < len(s) && isDigit(s[k]) {
				k++
			}
			j = k
		}
	}
	return j
}

// opEnd ends an operator: the longest run of operator characters, cut
// before any "--" or "/*" (those start comments); a trailing + or - is
// its own token unless the operator holds one of ~!@#^&|`?% (so that
// a=-1 is = and -), as in PostgreSQL's scanner.
func opEnd(s string, i int) int {
	j := i
	for j < len(s) && isOpChar(s[j]) {
		if j > i && (strings.HasPrefix(s[j:], "--") || strings.HasPrefix(s[j:], "/*")) {
			break
		}
		j++
	}
	if j-i > 1 && (s[j-1] == '+' || s[j-1] == '-') && !strings.ContainsAny(s[i:j-1], "~!@#^&|`?%") {
		for j-i > 1 && (s[j-1] == '+' || s[j-1] == '-') {
			j--
		}
	}
	return j
}
