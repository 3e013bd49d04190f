// Package jsontext checks every string of a JSON document, object keys
// included, before it is decoded: valid UTF-8, no NUL character (raw or
// escaped; PostgreSQL stores neither), no lone UTF-16 surrogate escape, and
// a length limit per field. Each problem names the field by its path, as
// the rest of the API does ("migrations[2].sql", "canary.latency[0]").
//
// encoding/json would silently turn invalid UTF-8 into U+FFFD and let NUL
// through, so this runs on the raw bytes, once, for every request body;
// new endpoints get it without writing anything. It does not judge the
// JSON syntax: on malformed input it stops and leaves the error to the
// decoder that follows.
package jsontext

import (
	"fmt"
	"strings"

	"github.com/canaryjudge/canaryjudge/judge"
)

// Limits are the longest strings allowed, in bytes of the decoded string.
type Limits struct {
	// Default applies to every string value not listed in Fields.
	Default int
	// Key applies to every object key.
	Key int
	// Fields maps a path pattern to its limit. A pattern is the field's
	// path with array indexes written as [] ("migrations[].sql"); object
	// keys that are data (metric names) appear as they are, or as one *
	// standing for any key ("scopes.*.controlScope.scope").
	Fields map[string]int
}

// Limit returns the limit of a string at pattern: its own, else that of a
// pattern with a * matching it, else Default.
func (l Limits) Limit(pattern string) int {
	if n, ok := l.Fields[pattern]; ok {
		return n
	}
	for p, n := range l.Fields {
		if before, after, wild := strings.Cut(p, "*"); wild && len(pattern) > len(before)+len(after) &&
			strings.HasPrefix(pattern, before) && strings.HasSuffix(pattern, after) {
			return n
		}
	}
	return l.Default
}

// Check walks body and returns a *judge.ValidationError listing every bad
// string (at most maxProblems), or nil.
func Check(body []byte, l Limits) error {
	w := walker{b: body, l: l, v: &judge.ValidationError{}, min: l.Default}
	for _, n := range l.Fields {
		w.min = min(w.min, n)
	}
	w.value(nil)
	return w.v.Err()
}

const maxProblems = 20

type walker struct {
	b   []byte
	i   int
	l   Limits
	min int // the smallest limit: shorter strings need no lookup
	v   *judge.ValidationError
	bad bool // malformed JSON: stop, the decoder reports it
}

// path is a field path, spelled out only when needed: as the name shown
// to the caller ("a[2].b") or the pattern limits are looked up by
// ("a[].b"). nil is the document itself.
type path struct {
	parent *path
	key    string
	index  int // when isIndex
	isIdx  bool
}

func (p *path) write(b *strings.Builder, pattern bool) {
	if p == nil {
		return
	}
	p.parent.write(b, pattern)
	switch {
	case p.isIdx && pattern:
		b.WriteString("[]")
	case p.isIdx:
		fmt.Fprintf(b, "[%d]", p.index)
	default:
		if p.parent != nil {
			b.WriteByte('.')
		}
		b.WriteString(p.key)
	}
}

func (p *path) name() string {
	if p == nil {
		return "body"
	}
	var b strings.Builder
	p.write(&b, false)
	return b.String()
}

func (p *path) pattern() string {
	var b strings.Builder
	p.write(&b, true)
	return b.String()
}

func (w *walker) problem(p *path, msg string) {
	if len(w.v.Problems) < maxProblems {
		w.v.Add(p.name(), msg)
	}
}

func (w *walker) space() {
	for w.i < len(w.b) && (w.b[w.i] == ' ' || w.b[w.i] == '\t' || w.b[w.i] == '\r' || w.b[w.i] == '\n') {
		w.i++
	}
}

func delimiter(c byte) bool {
	return c == ',' || c == ']' || c == '}' || c == ' ' || c == '\t' || c == '\r' || c == '\n'
}

// value checks the value at w.i.
func (w *walker) value(p *path) {
	w.space()
	if w.bad || w.i >= len(w.b) {
		w.bad = true
		return
	}
	switch w.b[w.i] {
	case '{':
		w.object(p)
	case '[':
		w.array(p)
	case '"':
		s := w.str(p, false)
		if !w.bad && w.min > 0 && s.n > w.min {
			w.checkLen(p, s.n, w.l.Limit(p.pattern()), "")
		}
	default: // number, true, false, null: skip to the next delimiter
		for w.i < len(w.b) && !delimiter(w.b[w.i]) {
			w.i++
		}
	}
}

func (w *walker) object(p *path) {
	w.i++ // {
	for first := true; ; first = false {
		w.space()
		if w.i < len(w.b) && w.b[w.i] == '}' && first {
			w.i++
			return
		}
		if w.i >= len(w.b) || w.b[w.i] != '"' {
			w.bad = true
			return
		}
		k := w.str(p, true)
		if w.bad {
			return
		}
		w.checkLen(p, k.n, w.l.Key, "an object key ")
		if w.space(); w.i >= len(w.b) || w.b[w.i] != ':' {
			w.bad = true
			return
		}
		w.i++
		w.value(&path{parent: p, key: k.text})
		if !w.next('}') {
			return
		}
	}
}

func (w *walker) array(p *path) {
	w.i++ // [
	elem := &path{parent: p, isIdx: true}
	for n := 0; ; n++ {
		elem.index = n
		w.space()
		if w.i < len(w.b) && w.b[w.i] == ']' && n == 0 {
			w.i++
			return
		}
		w.value(elem)
		if !w.next(']') {
			return
		}
	}
}

// next reads what follows a member or an element: a comma (true: another
// comes) or the closing byte (false: done); anything else makes w bad.
func (w *walker) next(closing byte) bool {
	if w.space(); w.bad || w.i >= len(w.b) {
		w.bad = true
		return false
	}
	switch w.b[w.i] {
	case closing:
		w.i++
		return false
	case ',':
		w.i++
		return true
	}
	w.bad = true
	return false
}

func (w *walker) checkLen(p *path, n, limit int, what string) {
	if limit > 0 && n > limit {
		w.problem(p, fmt.Sprintf("%smust be at most %d bytes (it has %d)", what, limit, n))
	}
}
