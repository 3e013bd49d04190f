package sqlcheck

import (
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/internal/pgtest"
	"github.com/canaryjudge/canaryjudge/store/memory"
)

// deepSQL builds the shapes that stress the parser: long operator chains,
// nested brackets, CASE chains, long IN lists, nested subqueries and
// calls; program (one construct per byte) mixes them, and tail is
// appended as it is.
func deepSQL(shape uint8, n uint16, program []byte, tail string) string {
	k := int(n)
	var b strings.Builder
	switch shape % 10 {
	case 0:
		b.WriteString("SELECT 1" + strings.Repeat("+1", k))
	case 1:
		b.WriteString("SELECT " + strings.Repeat("(", k) + "1" + strings.Repeat(")", k))
	case 2:
		b.WriteString("SELECT " + strings.Repeat("CASE WHEN x THEN ", k) + "1" + strings.Repeat(" END", k))
	case 3:
		b.WriteString("SELECT CASE" + strings.Repeat(" WHEN x THEN 1", k+1) + " END")
	case 4:
		b.WriteString("SELECT 1 WHERE x IN (1" + strings.Repeat(",1", k) + ")")
	case 5:
		b.WriteString(strings.Repeat("SELECT (", k) + "SELECT 1" + strings.Repeat(")", k))
	case 6:
		b.WriteString("SELECT " + strings.Repeat("f(", k) + "1" + strings.Repeat(")", k))
	case 7:
		b.WriteString("ALTER TABLE t ADD CONSTRAINT c CHECK (a > 1" + strings.Repeat(" || 'x'", k) + ") NOT VALID")
	case 8:
		b.WriteString(strings.Repeat("SELECT NOT ", 1) + strings.Repeat("NOT ", k) + "true")
	default:
		b.WriteString("SELECT ")
		for i, c := range program {
			if i > 20000 {
				break
			}
			b.WriteString([]string{"(", ")", "+1", "CASE WHEN x THEN ", " END", "f(", "::int", " AND ", " IN (1,", "-",
				"(SELECT ", "ARRAY[", "]", " || ", "1", "NOT "}[c%16])
		}
	}
	b.WriteString(tail)
	return b.String()
}

// FuzzParserIsolation sends generated deep SQL to both routes that
// classify it, on both stores, through the parser pool with the default
// limits. Every answer is 200/201, a 422 naming a limit the SQL really
// exceeds, or a 400 for SQL over the field's size; no worker ever faults
// (so no limit lets a crashing shape through), and the server answers
// after each input. testdata/fuzz/FuzzParserIsolation is the regression
// corpus CI runs.
func FuzzParserIsolation(f *testing.F) {
	for shape := uint8(0); shape < 10; shape++ {
		for _, n := range []uint16{254, 300, 30000} {
			if (shape == 3 || shape == 4) && n > 300 {
				n = 2000 // flat: accepted at any length, and slow to parse when long
			}
			f.Add(shape, n, []byte{0, 2, 3, 4, 10, 0, 0, 1, 1}, ";")
		}
	}
	f.Add(uint8(9), uint16(0), []byte(strings.Repeat("\x00", 300)+strings.Repeat("\x02", 300)), "")
	f.Add(uint8(9), uint16(0), []byte(strings.Repeat("\x0a", 260)), strings.Repeat(")", 260))
	pool := testPool(f, 0, nil, PoolOptions{Size: 2})
	servers := []*apiServer{newAPIServer(f, memory.New(), pool)}
	if !fuzzing() { // the regression corpus runs on both stores; fuzzing workers have no PostgreSQL
		servers = append(servers, newAPIServer(f, pgtest.Open(f), pool))
	}
	f.Fuzz(func(t *testing.T, shape uint8, n uint16, program []byte, tail string) {
		sql := strings.ToValidUTF8(deepSQL(shape, n, program, tail), "\uFFFD") // as JSON carries it
		over := DefaultLimits.Check(sql)
		for _, s := range servers {
			for _, a := range []apiAnswer{s.check(t, sql), s.release(t, sql)} {
				switch {
				case a.status >= 500:
					t.Fatalf("%d: %s", a.status, a.body)
				case a.status == 422:
					if lim, _ := a.json["limit"].(map[string]any); over == nil || lim["name"] != over.Limit {
						t.Fatalf("422 %s, but the limits say %v", a.body, over)
					}
				case a.status == 400 && (len(sql) > DefaultLimits.Bytes || strings.ContainsRune(sql, 0)):
				case a.status == 200 || a.status == 201:
					if over != nil {
						t.Fatalf("accepted SQL over a limit: %v", over)
					}
				default:
					t.Fatalf("%d: %s", a.status, a.body)
				}
			}
			if r := s.check(t, "SELECT 1"); r.status != 200 {
				t.Fatalf("the server stopped answering: %d", r.status)
			}
		}
		if pool.Faults() != 0 {
			t.Fatalf("a parser worker faulted on %q...", sql[:min(len(sql), 200)])
		}
	})
}
