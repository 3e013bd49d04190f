//go:build cgo

package sqlcheck

import (
	"fmt"
	"strings"
	"testing"

	pg_query "github.com/pganalyze/pg_query_go/v6"
)

// pgMarks is what PostgreSQL's own scanner sees that matters here: the
// spans of comments and the offsets of semicolons.
func pgMarks(text string) (string, bool) {
	sr, err := pg_query.Scan(text)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	for _, t := range sr.Tokens {
		switch t.Token {
		case pg_query.Token_SQL_COMMENT, pg_query.Token_C_COMMENT:
			fmt.Fprintf(&b, "comment %d-%d;", t.Start, t.End)
		case pg_query.Token_ASCII_59:
			fmt.Fprintf(&b, "semicolon %d;", t.Start)
		}
	}
	return b.String(), true
}

func lexMarks(text string) string {
	var b strings.Builder
	for _, t := range lex(text) {
		switch {
		case t.kind == tokComment:
			fmt.Fprintf(&b, "comment %d-%d;", t.start, t.end)
		case t.kind == tokPunct && text[t.start:t.end] == ";":
			fmt.Fprintf(&b, "semicolon %d;", t.start)
		}
	}
	return b.String()
}

var lexSeeds = []string{
	"SELECT 1; -- c\nSELECT 2;",
	"/* a /* nested */ still */ SELECT ';' ; SELECT \"a;b\";",
	"SELECT $$ ; -- $$; SELECT $tag$ $$ ; $tag$;",
	"SELECT E'\\' ; --' ; SELECT 'it''s';",
	"SELECT 'a'\n-- between\n'b'; SELECT 'a' 'b';",
	"SELECT 1--2\n; SELECT 1/*x*/;",
	"SELECT a=-1, b<>-2, c@-3 FROM t; SELECT *--x\n;",
	"SELECT $1, foo$bar, $a; SELECT U&'d\\0061t' UESCAPE '!'; SELECT B'101', X'1F';",
	"CREATE FUNCTION f() RETURNS int AS $body$ BEGIN; RETURN 1; END $body$ LANGUAGE plpgsql;",
	"SELECT 1.5e3, .5, 0x1F, 1_000;\nSELECT 'unterminated",
	"\\connect db\nSELECT 1;",
}

// TestLexMatchesPostgres: the scanner finds the comments and semicolons
// PostgreSQL's scanner finds.
func TestLexMatchesPostgres(t *testing.T) {
	for _, s := range lexSeeds {
		want, ok := pgMarks(s)
		if !ok {
			continue
		}
		if got := lexMarks(s); got != want {
			t.Errorf("%q\n  lex: %s\n  pg:  %s", s, got, want)
		}
	}
}

func FuzzLexMatchesPostgres(f *testing.F) {
	for _, s := range lexSeeds {
		f.Add(s)
	}
	for _, c := range classCases {
		f.Add(c.prior + c.sql)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if validInput(s) != "" {
			return
		}
		want, ok := pgMarks(s)
		if !ok {
			return // PostgreSQL's scanner rejects it; the parser will say why
		}
		if got := lexMarks(s); got != want {
			t.Fatalf("%q\n  lex: %s\n  pg:  %s", s, got, want)
		}
	})
}
