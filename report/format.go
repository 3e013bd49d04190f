package report

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Num formats a number for people: four significant digits in plain
// notation ("5.331", "0.01235"), whole numbers from 1,000 up with
// thousands separators ("28,530"), and only numbers too small or too
// large for that in powers of ten ("1.2 × 10^-7"). Never Go's "%v" or an
// exponent like "2.853e+04".
func Num(x float64) string {
	switch {
	case math.IsNaN(x):
		return "not a number"
	case math.IsInf(x, 1):
		return "infinite"
	case math.IsInf(x, -1):
		return "minus infinite"
	case x == 0:
		return "0"
	}
	a := math.Abs(x)
	switch {
	case a >= 1e15 || a < 1e-6:
		m, e := strings.Split(strconv.FormatFloat(x, 'e', 2, 64), "e")[0], int(math.Floor(math.Log10(a)))
		m = strings.TrimRight(strings.TrimRight(m, "0"), ".")
		return m + " × 10^" + strconv.Itoa(e)
	case a >= 1000:
		return thousands(int64(math.Round(x)))
	}
	// Four significant digits, fixed notation, trailing zeros dropped.
	digits := max(0, 3-int(math.Floor(math.Log10(a))))
	s := strconv.FormatFloat(x, 'f', digits, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		return "0"
	}
	return s
}

// thousands writes n with comma separators: 28530 is "28,530".
func thousands(n int64) string {
	neg := n < 0
	if neg {
		n = -n
	}
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// NumPtr is Num of *p, or "—" when p is nil.
func NumPtr(p *float64) string {
	if p == nil {
		return "—"
	}
	return Num(*p)
}

// Clock formats an instant for people, in UTC: "2026-01-05 00:05 UTC"
// (seconds only when the instant has some).
func Clock(t time.Time) string {
	t = t.UTC()
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05") + " UTC"
	}
	return t.Format("2006-01-02 15:04") + " UTC"
}

// SpanText formats a window's start and end: "2026-01-05 00:00–00:05 UTC"
// on one day, both dates in full across midnight.
func SpanText(start, end time.Time) string {
	s, e := start.UTC(), end.UTC()
	layout := "15:04"
	if s.Second() != 0 || e.Second() != 0 {
		layout = "15:04:05"
	}
	if s.Format("2006-01-02") == e.Format("2006-01-02") {
		return s.Format("2006-01-02 "+layout) + "–" + e.Format(layout) + " UTC"
	}
	return s.Format("2006-01-02 "+layout) + " – " + e.Format("2006-01-02 "+layout) + " UTC"
}

// Durations are written the way people say them: "10m", "1h 30m", "45s".
func durationText(d time.Duration) string {
	if d <= 0 {
		return "0s"
	}
	d = d.Round(time.Second)
	h, m, s := int(d/time.Hour), int(d%time.Hour/time.Minute), int(d%time.Minute/time.Second)
	var parts []string
	if h > 0 {
		parts = append(parts, fmt.Sprintf("%dh", h))
	}
	if m > 0 {
		parts = append(parts, fmt.Sprintf("%dm", m))
	}
	if s > 0 {
		parts = append(parts, fmt.Sprintf("%ds", s))
	}
	return strings.Join(parts, " ")
}

// Go's %v of a map or a slice of words, as some decision messages carry
// them ("map[errors:2]", "[errors latency_p99]").
var (
	goMap   = regexp.MustCompile(`map\[([^\[\]]*)\]`)
	goSlice = regexp.MustCompile(`\[([A-Za-z_][\w.-]*(?: [A-Za-z_][\w.-]*)+)\]`)
	goPair  = regexp.MustCompile(`([\w.-]+):(\S+)`)
)

// Readable rewrites Go's formatting of maps and word lists in a message
// into plain text: "map[errors:2 cpu:1]" becomes "errors: 2, cpu: 1" and
// "[errors latency_p99]" becomes "errors, latency_p99". A single word in
// brackets and intervals such as "[4.84, 5.89]" are left as they are.
func Readable(msg string) string {
	msg = goMap.ReplaceAllStringFunc(msg, func(m string) string {
		inner := goMap.FindStringSubmatch(m)[1]
		if strings.TrimSpace(inner) == "" {
			return "none"
		}
		return goPair.ReplaceAllString(strings.Join(strings.Fields(inner), ", "), "$1: $2")
	})
	return goSlice.ReplaceAllStringFunc(msg, func(m string) string {
		return strings.Join(strings.Fields(goSlice.FindStringSubmatch(m)[1]), ", ")
	})
}

// list joins words for a sentence: "a", "a and b", "a, b and c".
func list(xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	return strings.Join(xs[:len(xs)-1], ", ") + " and " + xs[len(xs)-1]
}

// seqText names windows: "window 3", "windows 1–2", "windows 1, 3 and 4".
func seqText(seqs []int) string {
	s := append([]int(nil), seqs...)
	sort.Ints(s)
	switch {
	case len(s) == 0:
		return ""
	case len(s) == 1:
		return "window " + strconv.Itoa(s[0])
	case s[len(s)-1]-s[0] == len(s)-1:
		return fmt.Sprintf("windows %d–%d", s[0], s[len(s)-1])
	}
	words := make([]string, len(s))
	for i, n := range s {
		words[i] = strconv.Itoa(n)
	}
	return "windows " + list(words)
}
