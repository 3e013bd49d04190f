package sqlcheck

import (
	"bufio"
	"fmt"
	"regexp"
	"strings"
)

// chunk is a piece of migration text handed to PostgreSQL's parser: one
// goose statement, or the whole of a plain SQL migration.
type chunk struct {
	text string
	line int // the line of the migration where text starts
	// comments are the comment lines goose drops in front of the chunk;
	// allow annotations among them apply to the chunk's first statement.
	comments []lineText
}

type lineText struct {
	line int
	text string
}

// gooseUp is the Up part of a goose migration as goose runs it.
type gooseUp struct {
	chunks []chunk
	noTx   bool // -- +goose NO TRANSACTION
}

var gooseUpLine = regexp.MustCompile(`(?im)^--\s*\+goose\s+up\s*$`)

// isGoose reports whether sql is a goose migration (it has an Up
// annotation); anything else is plain SQL, all of it "up".
func isGoose(sql string) bool { return gooseUpLine.MatchString(sql) }

// gooseError is a goose file goose itself would refuse to run.
type gooseError struct {
	line int
	msg  string
}

func (e *gooseError) Error() string { return fmt.Sprintf("goose: line %d: %s", e.line, e.msg) }

// splitGoose reads the Up part of a goose migration and splits it the way
// goose does: a statement ends on a line whose last word before any "--"
// ends with ";", except between StatementBegin and StatementEnd, which
// make one statement. Comment lines before a statement are set aside.
func splitGoose(sql string) (gooseUp, error) {
	var (
		g       gooseUp
		buf     []string
		start   int
		pending []lineText
		up      bool
		block   bool
		begin   int // line of the open StatementBegin
	)
	sc := bufio.NewScanner(strings.NewReader(sql))
	sc.Buffer(nil, len(sql)+1)
	emit := func() {
		g.chunks = append(g.chunks, chunk{text: strings.Join(buf, "\n"), line: start, comments: pending})
		buf, pending = nil, nil
	}
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "--") && strings.Contains(line, "+goose") {
			cmd := strings.ToLower(strings.TrimSpace(strings.Replace(strings.ReplaceAll(trimmed, "--", ""), "+goose", "", 1)))
			switch {
			case cmd == "up" && !up:
				up = true
			case cmd == "up":
				return g, &gooseError{n, "a second '-- +goose Up'"}
			case !up:
				return g, &gooseError{n, "'-- +goose " + cmd + "' before '-- +goose Up'"}
			case cmd == "down":
				if len(buf) > 0 || block {
					return g, &gooseError{max(start, begin, 1), "statement not finished before '-- +goose Down' (missing semicolon or StatementEnd)"}
				}
				return g, nil
			case cmd == "statementbegin" && !block:
				block, begin = true, n
			case cmd == "statementend" && block:
				block = false
				if len(buf) > 0 {
					emit()
				}
			case cmd == "no transaction":
				g.noTx = true
			case cmd == "envsub on", cmd == "envsub off":
			default:
				return g, &gooseError{n, fmt.Sprintf("unexpected annotation %q", trimmed)}
			}
			continue
		}
		if len(buf) == 0 && (trimmed == "" || strings.HasPrefix(trimmed, "--")) {
			if trimmed != "" && up {
				pending = append(pending, lineText{n, line})
			}
			continue
		}
		if !up {
			return g, &gooseError{n, "SQL before '-- +goose Up'"}
		}
		if len(buf) == 0 {
			start = n
		}
		buf = append(buf, line)
		if !block && endsStatement(line) {
			emit()
		}
	}
	switch {
	case sc.Err() != nil:
		return g, &gooseError{1, sc.Err().Error()}
	case block:
		return g, &gooseError{begin, "'-- +goose StatementBegin' without StatementEnd"}
	case len(buf) > 0:
		return g, &gooseError{start, "last statement has no terminating semicolon"}
	}
	return g, nil
}

// endsStatement: the last word before a "--" comment ends with ";".
func endsStatement(line string) bool {
	last := ""
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, "--") {
			break
		}
		last = w
	}
	return strings.HasSuffix(last, ";")
}
