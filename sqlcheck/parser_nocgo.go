//go:build !cgo

package sqlcheck

import (
	"errors"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// Available reports whether PostgreSQL's parser is linked. Without cgo
// it is not, and every statement is unknown: the gate fails closed.
const Available = false

var errNoParser = errors.New("this canaryjudge was built without cgo, so PostgreSQL's parser is not linked")

func parseSQL(string) (*pg_query.ParseResult, error)      { return nil, errNoParser }
func parserError(error) (msg string, cursor int, ok bool) { return "", 0, false }
