package postgres

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/klauspost/compress/flate"
)

// An audit input that carries a window's series is mostly decimal numbers
// ("103.96," again and again), which DEFLATE codes at about 2.9 bytes each:
// its string matching finds nothing in random digits and its Huffman codes
// are per character. numpack keeps such a body in about two thirds of
// that, byte for byte. Each number written in plain decimal (-?int(.frac)?,
// at most 17 digits, as JSON encoders print a measurement) becomes its
// digits as one integer, kept apart from the text around it:
//   - the text keeps a mark in the number's place that also says its
//     decimals and sign: one byte of those UTF-8 never uses (0xF7-0xFF) for
//     0-4 decimals, or 0-3 negative; else 0xF6 and a byte (decimals | 0x20
//     when negative). A 0xF5-0xFF of the body is kept behind 0xF5. The text
//     is DEFLATE-compressed: its marks repeat like its keys and commas;
//   - the low byte of each integer is kept as it is: no code shrinks it;
//   - the rest of each integer (uvarint) is DEFLATE-compressed after the
//     text, in the same stream: a few values, short codes. The compressor
//     starts a block of its own for them where that pays (the standard
//     library's needed a Flush between the parts, which makes this one's
//     output larger).
//
// A number in any other form (an exponent, more digits, leading zeros, a
// string's content) stays in the text. Writing a mantissa back with its
// decimals gives its digits exactly (the integer part has no leading zero
// but a lone 0, whose place the padding to decimals+1 digits restores), so
// unpacking gives the body back byte for byte: FuzzNumpack checks it.

const (
	numpackVersion = 1
	numEscape      = 0xF5 // the next byte is the body's own
	numMarkLong    = 0xF6 // a number; its decimals and sign in the next byte
	numMarkPos     = 0xF7 // 0xF7-0xFB: a number with 0-4 decimals
	numMarkNeg     = 0xFC // 0xFC-0xFF: a negative number with 0-3 decimals
	numMaxDigits   = 17   // a mantissa below 10^17 fits any uint64 arithmetic here
	numNegative    = 0x20
)

// packNumbers is body packed, or false when it has no number to pack.
func packNumbers(body []byte) ([]byte, bool) {
	var p numParts
	if p.split(body) == 0 {
		return nil, false
	}
	return p.compress(), true
}

// numParts are a body's parts (see above).
type numParts struct {
	text, low, high []byte
}

// split fills p from body and returns how many numbers it took out. The
// text between numbers is copied a run at a time.
func (p *numParts) split(body []byte) int {
	n := len(body) / 6
	p.text, p.low, p.high = make([]byte, 0, len(body)/4), make([]byte, 0, n), make([]byte, 0, n)
	count, run, inString, escaped := 0, 0, false, false
	for i := 0; i < len(body); i++ {
		c := body[i]
		if c >= numEscape {
			p.text = append(append(p.text, body[run:i]...), numEscape)
			run = i // the byte itself goes with the next run
		}
		switch {
		case inString:
			inString = escaped || c != '"'
			escaped = !escaped && c == '\\'
		case c == '"':
			inString = true
		case (c == '-' || isDigit(c)) && (i == 0 || !numberByte(body[i-1])):
			if end, m, s, ok := number(body, i); ok {
				p.text = appendMark(append(p.text, body[run:i]...), s)
				p.low = append(p.low, byte(m))
				p.high = binary.AppendUvarint(p.high, m>>8)
				count++
				run, i = end, end-1
			}
		}
	}
	p.text = append(p.text, body[run:]...)
	return count
}

// number reads the plain decimal number at body[i:]: where it ends, its
// digits as an integer, and its decimals and sign; false for any other
// form.
func number(body []byte, i int) (end int, m uint64, s byte, ok bool) {
	j := i
	if body[j] == '-' {
		s, j = numNegative, j+1
	}
	start := j
	for ; j < len(body) && isDigit(body[j]); j++ {
		m = m*10 + uint64(body[j]-'0')
	}
	digits := j - start
	if digits == 0 || (digits > 1 && body[start] == '0') {
		return i, 0, 0, false
	}
	if j < len(body) && body[j] == '.' {
		j++
		frac := j
		for ; j < len(body) && isDigit(body[j]); j++ {
			m = m*10 + uint64(body[j]-'0')
		}
		if j == frac {
			return i, 0, 0, false
		}
		digits += j - frac
		s |= byte(j - frac)
	}
	if digits > numMaxDigits || (j < len(body) && numberByte(body[j])) {
		return i, 0, 0, false // too long, or an exponent, another sign or point
	}
	return j, m, s, true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// numberByte reports whether c can be part of a JSON number token.
func numberByte(c byte) bool {
	return isDigit(c) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'
}

// appendMark writes the mark of a number with s's decimals and sign.
func appendMark(text []byte, s byte) []byte {
	frac, neg := s&^numNegative, s&numNegative != 0
	switch {
	case !neg && frac <= 4:
		return append(text, numMarkPos+frac)
	case neg && frac <= 3:
		return append(text, numMarkNeg+frac)
	}
	return append(text, numMarkLong, s)
}

// compress is the version, the low bytes as they are, then one DEFLATE
// stream of the text's length, the text, and the high parts.
func (p *numParts) compress() []byte {
	var out bytes.Buffer
	out.Grow(len(p.text)/2 + 2*len(p.low))
	out.WriteByte(numpackVersion)
	out.Write(binary.AppendUvarint(nil, uint64(len(p.low))))
	out.Write(p.low)
	w := docWriters.Get().(*flate.Writer)
	w.Reset(&out)
	_, _ = w.Write(binary.AppendUvarint(nil, uint64(len(p.text))))
	_, _ = w.Write(p.text)
	_, _ = w.Write(p.high)
	_ = w.Close()
	docWriters.Put(w)
	return out.Bytes()
}

var errNumpack = errors.New("stored packed value is damaged")

// unpackNumbers gives back the body packNumbers packed.
func unpackNumbers(z []byte) ([]byte, error) {
	if len(z) == 0 || z[0] != numpackVersion {
		return nil, fmt.Errorf("%w: unknown version", errNumpack)
	}
	n, w := binary.Uvarint(z[1:])
	if w <= 0 || n > uint64(len(z)-1-w) {
		return nil, fmt.Errorf("%w: low bytes", errNumpack)
	}
	low, rest := z[1+w:1+w+int(n)], z[1+w+int(n):]
	raw, err := io.ReadAll(flate.NewReader(bytes.NewReader(rest)))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errNumpack, err)
	}
	n, w = binary.Uvarint(raw)
	if w <= 0 || n > uint64(len(raw)-w) {
		return nil, fmt.Errorf("%w: text", errNumpack)
	}
	return joinNumbers(raw[w:w+int(n)], low, raw[w+int(n):])
}

// joinNumbers writes the text back with each mark's number in it.
func joinNumbers(text, low, high []byte) ([]byte, error) {
	out := make([]byte, 0, len(text)+6*len(low))
	k := 0
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c < numEscape {
			out = append(out, c)
			continue
		}
		if c != numEscape && k >= len(low) {
			return nil, fmt.Errorf("%w: more marks than numbers", errNumpack)
		}
		var s byte
		switch {
		case c == numEscape || c == numMarkLong:
			if i++; i == len(text) {
				return nil, fmt.Errorf("%w: a mark at the end", errNumpack)
			}
			if c == numEscape {
				out = append(out, text[i])
				continue
			}
			s = text[i]
		case c >= numMarkNeg:
			s = numNegative | (c - numMarkNeg)
		default:
			s = c - numMarkPos
		}
		h, w := binary.Uvarint(high)
		if w <= 0 || s&^numNegative > numMaxDigits {
			return nil, fmt.Errorf("%w: number %d", errNumpack, k)
		}
		high = high[w:]
		out = appendNumber(out, h<<8|uint64(low[k]), s)
		k++
	}
	if k != len(low) || len(high) != 0 {
		return nil, fmt.Errorf("%w: numbers left over", errNumpack)
	}
	return out, nil
}

// appendNumber writes mantissa m with s's decimals and sign.
func appendNumber(out []byte, m uint64, s byte) []byte {
	if s&numNegative != 0 {
		out = append(out, '-')
	}
	frac := int(s &^ numNegative)
	var buf [2*numMaxDigits + 4]byte
	digits := strconv.AppendUint(buf[:0], m, 10)
	if pad := frac + 1 - len(digits); pad > 0 { // 0.05: the zeros before 5
		digits = digits[:len(digits)+pad]
		copy(digits[pad:], digits[:len(digits)-pad])
		for i := range pad {
			digits[i] = '0'
		}
	}
	out = append(out, digits[:len(digits)-frac]...)
	if frac > 0 {
		out = append(append(out, '.'), digits[len(digits)-frac:]...)
	}
	return out
}
