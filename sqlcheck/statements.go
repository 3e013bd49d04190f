package sqlcheck

import (
	"strconv"
	"strings"
)

// statementsOf parses one chunk into statements with their lines and the
// allow annotations that apply to each.
func statementsOf(c chunk) []statement {
	toks := lex(c.text)
	lineAt := func(off int) int { return c.line + strings.Count(c.text[:off], "\n") }
	var out []statement
	var ends []int // where each statement's last line ends
	for _, sp := range spans(c.text, toks) {
		if sp.node == nil && sp.err == "" {
			continue
		}
		first := skipLeading(c.text, sp.start, sp.end)
		if first >= sp.end && sp.err == "" {
			continue
		}
		lineEnd := strings.IndexByte(c.text[sp.end:], '\n')
		if lineEnd < 0 {
			lineEnd = len(c.text)
		} else {
			lineEnd += sp.end
		}
		out = append(out, statement{line: lineAt(min(first, len(c.text))), text: strings.TrimSpace(c.text[min(first, sp.end):sp.end]),
			node: sp.node, parseErr: sp.err})
		ends = append(ends, max(sp.end, lineEnd))
		if len(out) > 1 {
			// A comment after the previous statement's end, on its last
			// line, is the previous statement's, unless this one starts
			// on that same line.
			ends[len(ends)-2] = min(ends[len(ends)-2], first)
		}
	}
	if len(out) == 0 {
		return nil
	}
	for _, lt := range c.comments {
		if a := parseAllow(lt.text, lt.line); a != nil {
			out[0].allows = append(out[0].allows, a)
		}
	}
	for _, t := range toks {
		if t.kind != tokComment {
			continue
		}
		s, e := t.start, t.end
		a := parseAllow(c.text[s:e], lineAt(s))
		if a == nil {
			continue
		}
		i := 0
		for i < len(out)-1 && s >= ends[i] {
			i++
		}
		out[i].allows = append(out[i].allows, a)
	}
	return out
}

func itoa(i int) string { return strconv.Itoa(i) }
