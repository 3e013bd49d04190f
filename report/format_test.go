package report

import (
	"math"
	"testing"
	"time"
)

// TestNum: numbers for people, never Go's exponents.
func TestNum(t *testing.T) {
	for x, want := range map[float64]string{
		0: "0", 1: "1", 1.2: "1.2", 5.579350543218488: "5.579", 0.012345678: "0.01235", 100: "100", 99.99: "99.99",
		999.95: "1000", 1234.5: "1,235", 28530.4: "28,530", -28530: "-28,530", 1234567: "1,234,567", 0.000123: "0.000123",
		1.2e-7: "1.2 × 10^-7", 2.5e16: "2.5 × 10^16", math.Inf(1): "infinite", math.NaN(): "not a number", -0.00004: "-0.00004",
	} {
		if got := Num(x); got != want {
			t.Errorf("Num(%v) = %q, want %q", x, got, want)
		}
	}
}

// TestReadable: Go's map and word-list formatting in messages become text.
func TestReadable(t *testing.T) {
	for in, want := range map[string]string{
		"metrics failing in the last windows in a row: map[errors:2 latency_p99:2]": "metrics failing in the last windows in a row: errors: 2, latency_p99: 2",
		"failing metrics [errors latency_p99]":                                      "failing metrics errors, latency_p99",
		"failing metrics [errors]":                                                  "failing metrics [errors]",
		"rate ratio 5.33 [4.84, 5.89]":                                              "rate ratio 5.33 [4.84, 5.89]",
		"empty map[]":                                                               "empty none",
	} {
		if got := Readable(in); got != want {
			t.Errorf("Readable(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSpanText: one day, across midnight, with seconds.
func TestSpanText(t *testing.T) {
	d := func(h, m, s int) time.Time { return time.Date(2026, 1, 5, h, m, s, 0, time.UTC) }
	for _, c := range []struct {
		a, b time.Time
		want string
	}{
		{d(9, 0, 0), d(9, 5, 0), "2026-01-05 09:00–09:05 UTC"},
		{d(23, 55, 0), d(24, 0, 0), "2026-01-05 23:55 – 2026-01-06 00:00 UTC"},
		{d(9, 0, 30), d(9, 5, 30), "2026-01-05 09:00:30–09:05:30 UTC"},
	} {
		if got := SpanText(c.a, c.b); got != c.want {
			t.Errorf("SpanText = %q, want %q", got, c.want)
		}
	}
	if got := seqText([]int{3, 1, 2}); got != "windows 1–3" {
		t.Errorf("seqText = %q", got)
	}
	if got := seqText([]int{1, 3, 4}); got != "windows 1, 3 and 4" {
		t.Errorf("seqText = %q", got)
	}
}
