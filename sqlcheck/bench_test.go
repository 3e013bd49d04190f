package sqlcheck

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canaryjudge/canaryjudge/judge"
)

// BenchmarkClassify: one realistic goose migration (this project's
// largest) and a 200-statement plain SQL migration built from the cases.
func BenchmarkClassify(b *testing.B) {
	big, err := os.ReadFile(filepath.Join("..", "migrations", "00002_releases.sql"))
	if err != nil {
		b.Fatal(err)
	}
	var many strings.Builder
	for i, n := 0, 0; n < 200; i++ {
		c := classCases[i%len(classCases)]
		if c.rule == "parse-error" || c.rule == "invalid-input" || c.rule == "too-complex" {
			continue
		}
		many.WriteString(c.sql + ";\n")
		n++
	}
	// One bad statement makes the parser go statement by statement.
	withError := many.String() + "SELEC 1;\n"
	for _, in := range []struct{ name, sql string }{{"goose_00002", string(big)},
		{"plain_200_statements", many.String()}, {"plain_200_plus_a_parse_error", withError}} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.sql)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := (Classifier{}).Classify(context.Background(), in.sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkClassifyLatency: the latency of a normal check (this
// project's largest migration) in-process and through Pool's worker
// processes, with its p50 and p99 over the run (issue 20: p99 under 20 ms).
func BenchmarkClassifyLatency(b *testing.B) {
	big, err := os.ReadFile(filepath.Join("..", "migrations", "00002_releases.sql"))
	if err != nil {
		b.Fatal(err)
	}
	pool := testPool(b, 0, nil, PoolOptions{Size: 2})
	for _, c := range []struct {
		name string
		cl   interface {
			Classify(context.Context, string) (judge.MigrationCheck, error)
		}
	}{{"in_process", Classifier{}}, {"pool", pool}} {
		b.Run(c.name, func(b *testing.B) {
			if _, err := c.cl.Classify(context.Background(), string(big)); err != nil { // starts a worker
				b.Fatal(err)
			}
			lat := make([]time.Duration, 0, b.N)
			for b.Loop() {
				t := time.Now()
				if _, err := c.cl.Classify(context.Background(), string(big)); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t))
			}
			slices.Sort(lat)
			b.ReportMetric(ms(lat[len(lat)/2]), "p50-ms")
			b.ReportMetric(ms(lat[len(lat)*99/100]), "p99-ms")
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// BenchmarkClassifyAtLimits: the worst migrations the limits let through,
// each just under one limit: how long one request can keep a parser busy.
func BenchmarkClassifyAtLimits(b *testing.B) {
	l := DefaultLimits
	chain := "SELECT 1" + strings.Repeat("+1", l.Depth-2) + ";\n" // depth 255
	inputs := []struct{ name, sql string }{
		{"deep_chains_to_the_token_limit", strings.Repeat(chain, l.Tokens/(2*l.Depth))},
		{"statements_limit", strings.Repeat("SELECT 1;\n", l.Statements)},
		{"in_list_to_the_token_limit", "SELECT 1 WHERE x IN (1" + strings.Repeat(",1", l.Tokens/2-10) + ")"},
		{"case_whens_to_the_size_limit", "SELECT CASE" + strings.Repeat(" WHEN x THEN 1", l.Bytes/14-10) + " END"},
	}
	for _, in := range inputs {
		if e := l.Check(in.sql); e != nil {
			b.Fatalf("%s: %v", in.name, e)
		}
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.sql)))
			for b.Loop() {
				if _, err := (Classifier{}).Classify(context.Background(), in.sql); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLimitsCheck: measuring a migration before parsing is linear
// in its size, whatever its shape (a quadratic estimate would itself be
// a way to stall the server).
func BenchmarkLimitsCheck(b *testing.B) {
	n := DefaultLimits.Bytes / 2
	for _, in := range []struct{ name, sql string }{
		{"nested_parens", strings.Repeat("(", n) + strings.Repeat(")", n)},
		{"nested_case", strings.Repeat("CASE ", n/5)},
		{"plus_chain", "SELECT 1" + strings.Repeat("+1", n-5)},
		{"statements", strings.Repeat("SELECT 1;", DefaultLimits.Bytes/9)},
	} {
		b.Run(in.name, func(b *testing.B) {
			b.SetBytes(int64(len(in.sql)))
			for b.Loop() {
				measureSQL(in.sql)
			}
		})
	}
}
