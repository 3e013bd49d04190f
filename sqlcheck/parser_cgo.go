//go:build cgo

package sqlcheck

import (
	"errors"

	pg_query "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"
)

// Available reports whether PostgreSQL's parser is linked (cgo builds).
const Available = true

func parseSQL(text string) (*pg_query.ParseResult, error) { return pg_query.Parse(text) }

// parserError is the parser's message and 1-based character position.
func parserError(err error) (msg string, cursor int, ok bool) {
	var pe *parser.Error
	if !errors.As(err, &pe) {
		return "", 0, false
	}
	return pe.Message, pe.Cursorpos, true
}
