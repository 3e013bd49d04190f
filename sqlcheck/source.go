package sqlcheck

import (
	"regexp"
	"strings"
	"unicode/utf8"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// statement is one SQL statement of a migration, parsed or not.
type statement struct {
	n        int // 1-based position in the migration
	line     int
	text     string         // the statement, without the comments before it
	node     *pg_query.Node // nil when it did not parse
	parseErr string         // the parser's message when it did not
	allows   []*allow
}

// allow is one `-- canaryjudge:allow RULE REASON` annotation.
type allow struct {
	line         int
	rule, reason string
	used         bool
}

var allowRe = regexp.MustCompile(`^(?:--|/\*)\s*canaryjudge:allow\b(.*?)(?:\*/)?\s*$`)

// parseAllow reads an annotation from one comment, or returns nil.
func parseAllow(comment string, line int) *allow {
	m := allowRe.FindStringSubmatch(strings.TrimSpace(comment))
	if m == nil {
		return nil
	}
	a := &allow{line: line}
	if f := strings.Fields(m[1]); len(f) > 0 {
		a.rule, a.reason = f[0], strings.Join(f[1:], " ")
	}
	return a
}

// span is one statement's byte range within a chunk.
type span struct {
	start, end int
	node       *pg_query.Node
	err        string
}

// spans parses text into statements. When the whole does not parse, it
// splits on the scanner's ";" tokens, gives the parser's message to the
// statement it points at, and parses the others one by one, so that one
// bad statement does not hide what the rest do.
func spans(text string, toks []token) []span {
	tree, err := parseSQL(text)
	if err == nil {
		out := make([]span, 0, len(tree.Stmts))
		for _, rs := range tree.Stmts {
			s, e := clamp(int(rs.StmtLocation), len(text)), len(text)
			if rs.StmtLen > 0 {
				e = clamp(s+int(rs.StmtLen), len(text))
			}
			out = append(out, span{start: s, end: e, node: rs.Stmt})
		}
		return out
	}
	msg, at := parseMessage(err, text)
	pieces := splitOnSemicolons(text, toks)
	if len(pieces) == 0 {
		return []span{{start: 0, end: len(text), err: msg}}
	}
	placed := -1
	for i, p := range pieces {
		if at >= p.start && at < p.end {
			placed = i
		}
	}
	if placed < 0 {
		placed = len(pieces) - 1 // "at end of input", or no position
	}
	for i := range pieces {
		if i == placed {
			pieces[i].err = msg
			continue
		}
		sub, err := parseSQL(text[pieces[i].start:pieces[i].end])
		switch {
		case err != nil:
			pieces[i].err, _ = parseMessage(err, "")
		case len(sub.Stmts) == 1:
			pieces[i].node = sub.Stmts[0].Stmt
		default:
			pieces[i].err = msg
		}
	}
	return pieces
}

// splitOnSemicolons cuts text after each ";" token, dropping pieces with
// nothing but comments.
func splitOnSemicolons(text string, toks []token) []span {
	var out []span
	cur, real := 0, false
	for _, t := range toks {
		switch {
		case t.kind == tokComment:
			continue
		case t.kind == tokPunct && text[t.start:t.end] == ";":
			if real {
				out = append(out, span{start: cur, end: t.start})
			}
			cur, real = t.end, false
			continue
		}
		real = true
	}
	if real {
		out = append(out, span{start: cur, end: len(text)})
	}
	return out
}

// parseMessage is the parser's message and the byte offset it points at
// (-1 when it names no position).
func parseMessage(err error, text string) (string, int) {
	msg, cursor, ok := parserError(err)
	if !ok {
		return err.Error(), -1
	}
	at, chars := -1, 0
	for i := range text {
		chars++
		if chars == cursor {
			at = i
			break
		}
	}
	return msg, at
}

func clamp(i, n int) int { return max(0, min(i, n)) }

// skipLeading returns the offset of the first character of text[from:to]
// that is neither white space nor part of a comment.
func skipLeading(text string, from, to int) int {
	i := from
	for i < to {
		switch {
		case text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r' || text[i] == '\f':
			i++
		case strings.HasPrefix(text[i:to], "--"):
			nl := strings.IndexByte(text[i:to], '\n')
			if nl < 0 {
				return to
			}
			i += nl + 1
		case strings.HasPrefix(text[i:to], "/*"):
			e := strings.Index(text[i+2:to], "*/")
			if e < 0 {
				return to
			}
			i += e + 4
		default:
			return i
		}
	}
	return i
}

// validInput reports why PostgreSQL would refuse sql before parsing it.
func validInput(sql string) string {
	switch {
	case strings.IndexByte(sql, 0) >= 0:
		return "contains a NUL byte at offset " + itoa(strings.IndexByte(sql, 0))
	case !utf8.ValidString(sql):
		return "is not valid UTF-8"
	}
	return ""
}
