package sqlcheck

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		if c.rule == "parse-error" || c.rule == "invalid-input" {
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
