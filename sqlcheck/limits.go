package sqlcheck

import (
	"fmt"
	"strings"
)

// Limits bound what reaches PostgreSQL's parser. The parser recurses once
// per level of an expression tree (through libpg_query's output, in C, on
// the thread's stack): a chain of 23,812 "+1" terms kills the process with
// SIGSEGV under an 8 MiB stack, 5,937 under 2 MiB, and nested subqueries
// 1,984 deep under 2 MiB (sqlcheck/testdata/crashprobe measures these).
// Parse time grows with the number of tokens. Everything is measured by
// a scanner in Go (lexer.go), before any C code runs.
type Limits struct {
	Bytes      int // the migration's size
	Statements int // statements in one migration
	Tokens     int // tokens (words, literals, operators) in one migration
	Depth      int // estimated expression nesting depth of one statement
}

// DefaultLimits: Depth keeps a margin of 7.7x below the smallest crash
// measured (nested subqueries under a 2 MiB stack) and 93x below a
// chain's under the usual 8 MiB; Bytes is the API's limit for a
// migration's sql; Statements and Tokens keep the worst parse of a
// migration near a second (BenchmarkClassifyAtLimits).
var DefaultLimits = Limits{Bytes: 256 << 10, Statements: 5000, Tokens: 100_000, Depth: 256}

// LimitError is SQL over a limit. It names the request field (sql, or a
// release's migrations[i].sql), the limit, its maximum and what was
// measured. The HTTP layer answers it 413 (bytes) or 422 (the rest).
type LimitError struct {
	Field, Limit string
	Max, Got     int
	Line         int // where the deepest statement starts, for depth
}

func (e *LimitError) Error() string {
	at := ""
	if e.Line > 0 {
		at = fmt.Sprintf(" (the statement at line %d)", e.Line)
	}
	return fmt.Sprintf("%s: %s %d%s exceeds the limit of %d", e.Field, limitNames[e.Limit], e.Got, at, e.Max)
}

// SQLLimit describes the error for the HTTP layer, which declares the
// interface it needs.
func (e *LimitError) SQLLimit() (field, limit string, max, got int) {
	return e.Field, e.Limit, e.Max, e.Got
}

// WithField returns the error for another request field.
func (e *LimitError) WithField(field string) error { c := *e; c.Field = field; return &c }

var limitNames = map[string]string{"bytes": "size in bytes", "statements": "number of statements",
	"tokens": "number of tokens", "expression_depth": "expression nesting depth"}

// measure is what the scanner counts in a migration.
type measure struct {
	statements, tokens, depth, depthAt int // depthAt: byte offset of the deepest statement
}

// Check measures sql and returns the first limit it exceeds, or nil.
func (l Limits) Check(sql string) *LimitError {
	if l.Bytes > 0 && len(sql) > l.Bytes {
		return &LimitError{Field: "sql", Limit: "bytes", Max: l.Bytes, Got: len(sql)}
	}
	m := measureSQL(sql)
	switch {
	case l.Depth > 0 && m.depth > l.Depth:
		return &LimitError{Field: "sql", Limit: "expression_depth", Max: l.Depth, Got: m.depth,
			Line: 1 + strings.Count(sql[:m.depthAt], "\n")}
	case l.Statements > 0 && m.statements > l.Statements:
		return &LimitError{Field: "sql", Limit: "statements", Max: l.Statements, Got: m.statements}
	case l.Tokens > 0 && m.tokens > l.Tokens:
		return &LimitError{Field: "sql", Limit: "tokens", Max: l.Tokens, Got: m.tokens}
	}
	return nil
}
