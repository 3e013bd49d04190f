package sqlcheck

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
)

// typeChange is one ALTER COLUMN TYPE pair with what PostgreSQL's rules
// say about it, written by hand from pg_cast (castmethod 'b': varchar /
// text / bpchar, cidr → inet, bit ↔ varbit, xml → text) and the length
// and precision support functions (varchar_support, numeric_support,
// varbit_support, timestamp_support, time_support, interval_support):
// ok = every value of from is the same value of to (a widening);
// rewrite = PostgreSQL rewrites the table. sample is a value of from
// that a widening must keep unchanged, or that a narrowing must refuse
// or change, as the previous release reads it (c::text, unless show
// says how: numeric compares by value, char counts its padding).
type typeChange struct {
	from, to    string
	ok, rewrite bool
	sample      string
	show        string
}

const (
	byValue   = "trim_scale(c)::text"
	byPadding = "c::text || '/' || octet_length(c)"
)

var typeChanges = []typeChange{
	{"varchar(10)", "varchar(20)", true, false, "'abcdefghij'", ""},
	{"varchar(10)", "varchar", true, false, "'abcdefghij'", ""},
	{"varchar(10)", "text", true, false, "'abcdefghij'", ""},
	{"varchar(20)", "varchar(10)", false, true, "'abcdefghijklmno'", ""},
	{"varchar", "varchar(10)", false, true, "'abcdefghijklmno'", ""},
	{"text", "varchar", true, false, "'any text'", ""},
	{"text", "varchar(10)", false, true, "'abcdefghijklmno'", ""},
	{"numeric(10,2)", "numeric(12,2)", true, false, "12345678.12", ""},
	{"numeric(10,2)", "numeric", true, false, "12345678.12", ""},
	{"numeric(10,2)", "numeric(12,3)", true, true, "12345678.12", byValue},
	{"numeric(10,2)", "numeric(9,2)", false, true, "12345678.12", ""},
	{"numeric(10,2)", "numeric(10,3)", false, true, "12345678.12", ""},
	{"numeric", "numeric(10,2)", false, true, "1.125", ""},
	{"timestamp(0)", "timestamp(3)", true, false, "'2026-01-02 03:04:05'", ""},
	{"timestamp(3)", "timestamp", true, false, "'2026-01-02 03:04:05.123'", ""},
	{"timestamp", "timestamp(6)", true, false, "'2026-01-02 03:04:05.123456'", ""},
	{"timestamp", "timestamp(3)", false, true, "'2026-01-02 03:04:05.123456'", ""},
	{"timestamptz(0)", "timestamptz", true, false, "'2026-01-02 03:04:05+00'", ""},
	{"timestamptz(6)", "timestamptz(3)", false, true, "'2026-01-02 03:04:05.123456+00'", ""},
	{"time(0)", "time(6)", true, false, "'03:04:05'", ""},
	{"timetz(2)", "timetz", true, false, "'03:04:05.12+02'", ""},
	{"time", "time(3)", false, true, "'03:04:05.123456'", ""},
	{"interval(0)", "interval(3)", true, false, "'1 day 2 hours'", ""},
	{"interval(3)", "interval", true, false, "'1.123 seconds'", ""},
	{"interval day", "interval", true, false, "'3 days'", ""},
	{"interval(3)", "interval(2)", false, true, "'1.123 seconds'", ""},
	{"interval", "interval day", false, true, "'3 days 4 hours'", ""},
	{"varbit(3)", "varbit(5)", true, false, "B'101'", ""},
	{"varbit(3)", "varbit", true, false, "B'101'", ""},
	{"varbit(5)", "varbit(3)", false, true, "B'10101'", ""},
	{"bit(3)", "varbit(5)", true, true, "B'101'", ""},
	{"bit(3)", "varbit", true, false, "B'101'", ""},
	{"bit(3)", "bit(5)", false, true, "B'101'", ""},
	{"cidr", "inet", true, false, "'10.0.0.0/8'", ""},
	{"inet", "cidr", false, true, "'10.0.0.1/8'", ""},
	{"smallint", "integer", true, true, "32767", ""},
	{"integer", "bigint", true, true, "2147483647", ""},
	{"bigint", "integer", false, true, "1099511627776", ""},
	{"real", "double precision", true, true, "1.5", ""},
	{"double precision", "real", false, true, "1.0000000001", ""},
	{"char(3)", "char(5)", false, true, "'ab'", byPadding},
	{"char(3)", "text", false, true, "'ab'", byPadding},
	{"xml", "text", false, false, "'<a>x</a>'", ""},
	{"timestamp", "timestamptz", false, true, "'2026-01-02 03:04:05'", ""},
	{"date", "timestamp", false, true, "'2026-01-02'", ""},
	{"varchar(10)[]", "varchar(20)[]", false, true, "'{abc}'", ""},
	{"integer", "text", false, true, "42", ""},
	{"json", "jsonb", false, true, `'{"b": 1, "a": 2}'`, ""},
}

// TestTypeChanges: the classifier's answer for each pair (widen-column-type
// or alter-column-type, and table-rewrite) is the one the table gives.
func TestTypeChanges(t *testing.T) {
	for _, c := range typeChanges {
		t.Run(c.from+"→"+c.to, func(t *testing.T) {
			ch := New()
			if _, err := ch.Check(context.Background(), fmt.Sprintf("CREATE TABLE tc (c %s);", c.from)); err != nil {
				t.Fatal(err)
			}
			r, err := ch.Check(context.Background(), fmt.Sprintf("SET lock_timeout = '1s'; SET statement_timeout = '1min'; ALTER TABLE tc ALTER COLUMN c TYPE %s;", c.to))
			if err != nil {
				t.Fatal(err)
			}
			wantRule, gotRule := "alter-column-type", ""
			if c.ok {
				wantRule = "widen-column-type"
			}
			for _, f := range r.Findings {
				if f.Statement == 3 {
					gotRule = f.Rule
				}
			}
			rewrite := false
			for _, w := range r.Warnings {
				rewrite = rewrite || w.Rule == "table-rewrite"
			}
			if gotRule != wantRule || rewrite != c.rewrite {
				t.Errorf("got %s, rewrite %v; want %s, rewrite %v", gotRule, rewrite, wantRule, c.rewrite)
			}
		})
	}
}

// TestTypeChangesOnPostgres checks the table itself on a real server: a
// rewrite gives the table a new relfilenode, and a widening keeps the
// sample's value (as text) while a narrowing refuses or changes it.
func TestTypeChangesOnPostgres(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Not UTC, so that timestamp → timestamptz shows the rewrite it needs
	// in general (PostgreSQL skips it when the session zone is UTC).
	if _, err := conn.Exec(ctx, "SET TimeZone = 'Europe/Berlin'"); err != nil {
		t.Fatal(err)
	}
	for _, c := range typeChanges {
		t.Run(c.from+"→"+c.to, func(t *testing.T) {
			before, node1 := pgSample(ctx, t, conn, c)
			var node2 uint32
			var after string
			_, err := conn.Exec(ctx, fmt.Sprintf("ALTER TABLE tc ALTER COLUMN c TYPE %s", c.to))
			if err == nil {
				err = conn.QueryRow(ctx, "SELECT "+show(c)+", pg_relation_filenode('tc') FROM tc").Scan(&after, &node2)
			}
			switch {
			case c.ok && err != nil:
				t.Fatalf("a widening failed: %v", err)
			case c.ok && after != before:
				t.Errorf("a widening changed %s into %s", before, after)
			case !c.ok && err == nil && after == before && !typeOnly[c.from+"→"+c.to]:
				t.Errorf("a narrowing kept %s: pick a sample it changes", before)
			case err == nil && (node1 != node2) != c.rewrite:
				t.Errorf("rewrite: PostgreSQL %v, the table says %v", node1 != node2, c.rewrite)
			}
		})
	}
}

func pgSample(ctx context.Context, t *testing.T, conn *pgx.Conn, c typeChange) (string, uint32) {
	t.Helper()
	var v string
	var node uint32
	for _, q := range []string{"DROP TABLE IF EXISTS tc", fmt.Sprintf("CREATE TABLE tc (c %s)", c.from),
		fmt.Sprintf("INSERT INTO tc VALUES (%s)", c.sample)} {
		if _, err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := conn.QueryRow(ctx, "SELECT "+show(c)+", pg_relation_filenode('tc') FROM tc").Scan(&v, &node); err != nil {
		t.Fatal(err)
	}
	return v, node
}

// typeOnly are the changes that keep every value but not the type the
// previous release reads (its functions, operators or driver decoding).
var typeOnly = map[string]bool{"xml→text": true, "integer→text": true, "json→jsonb": true, "timestamp→timestamptz": true,
	"date→timestamp": true, "varchar(10)[]→varchar(20)[]": true}

func show(c typeChange) string {
	if c.show == "" {
		return "c::text"
	}
	return c.show
}
