package jsontext

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// decoded is a scanned JSON string: its decoded length in bytes and, for
// object keys, its text.
type decoded struct {
	text string
	n    int
}

// str scans the string starting at w.i (a quote), reporting bad content at
// p (an object key is reported at its object's path, since its own path
// would carry the bad bytes). It keeps the text only of keys, which name
// the fields below them.
func (w *walker) str(p *path, keep bool) decoded {
	start := w.i
	w.i++
	var (
		d        decoded
		problems []string
		text     strings.Builder
	)
	note := func(msg string) {
		for _, m := range problems {
			if m == msg {
				return
			}
		}
		problems = append(problems, msg)
	}
	for w.i < len(w.b) {
		c := w.b[w.i]
		switch {
		case c == '"':
			w.i++
			for _, m := range problems {
				w.problem(p, m)
			}
			d.text = text.String()
			return d
		case c == '\\':
			r, size, msg := w.escape()
			if size == 0 {
				w.bad = true
				return d
			}
			if msg != "" {
				note(msg)
			}
			d.n += utf8.RuneLen(r)
			if keep {
				text.WriteRune(r)
			}
			w.i += size
		case c == 0:
			note("contains a NUL byte")
			w.i++
		case c < 0x20:
			note(fmt.Sprintf("contains the control character U+%04X unescaped", c))
			w.i++
		case c < utf8.RuneSelf:
			d.n++
			if keep {
				text.WriteByte(c)
			}
			w.i++
		default:
			r, size := utf8.DecodeRune(w.b[w.i:])
			if r == utf8.RuneError && size == 1 {
				note("is not valid UTF-8")
			}
			d.n += size
			if keep {
				text.WriteRune(r)
			}
			w.i += size
		}
	}
	w.i = start
	w.bad = true // unterminated
	return d
}

// escape decodes the escape at w.i: the rune, how many input bytes it
// used (0 when malformed) and a problem to report, if any.
func (w *walker) escape() (rune, int, string) {
	b := w.b[w.i:]
	if len(b) < 2 {
		return 0, 0, ""
	}
	if i := strings.IndexByte(`"\/bfnrt`, b[1]); i >= 0 {
		return rune("\"\\/\b\f\n\r\t"[i]), 2, ""
	}
	if b[1] != 'u' {
		return 0, 0, ""
	}
	r, ok := hex4(b[2:])
	switch {
	case !ok:
		return 0, 0, ""
	case r == 0:
		return 0, 6, `contains a NUL character (\u0000)`
	case utf16.IsSurrogate(r) && r < 0xDC00 && len(b) >= 12 && b[6] == '\\' && b[7] == 'u':
		if lo, ok := hex4(b[8:]); ok {
			if pair := utf16.DecodeRune(r, lo); pair != utf8.RuneError {
				return pair, 12, ""
			}
		}
		return utf8.RuneError, 6, "contains an unpaired UTF-16 surrogate escape"
	case utf16.IsSurrogate(r):
		return utf8.RuneError, 6, "contains an unpaired UTF-16 surrogate escape"
	}
	return r, 6, ""
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	n, err := strconv.ParseUint(string(b[:4]), 16, 32)
	return rune(n), err == nil
}
