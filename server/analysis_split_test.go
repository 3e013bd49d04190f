package server

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/canaryjudge/canaryjudge/engine"
)

// randomAnalysisBody draws an analysis body from the usual shapes and the
// ways they go wrong: other and oddly written keys, repeats, count metrics,
// bad points, times of the wrong type, stray bytes.
func randomAnalysisBody(r *rand.Rand) string {
	pick := func(xs ...string) string { return xs[r.IntN(len(xs))] }
	sp := func() string { return pick("", "", " ", "\n", "\t", "\r\n ") }
	side := func() string {
		return pick(`{"m":[1,2.5,null,-3e2]}`, `{"m":[1],"n":[0.25,7]}`, `{}`, `null`, `{"m":{"events":[1],"total":[2]}}`,
			`{"m":[1,,2]}`, `[]`, `{"m":[1e400]}`, `{"m":["NaN",1]}`, `{"m":[1] `, `{"a\"b":[1]}`, `{"m":[01]}`, `5`)
	}
	vals := map[string]func() string{
		"canary": side, "baseline": side,
		"source_error": func() string { return pick(`"timeout"`, `""`, `null`, `5`, `"a\"b,}"`, `"x`, `["x"]`) },
		"window": func() string {
			return pick(`{"start":"2026-12-01T10:00:00Z","end":"2026-12-01T10:05:00Z"}`, `{"start":"2026-12-01T10:00:00Z"}`, `null`,
				`{"start":5}`, `{"start":"x","extra":1}`, `[]`, `{"start":"a}b"}`, `{"start":"2026-12-01T10:00:00Z",}`, `{`)
		},
	}
	keys := []string{"canary", "baseline", "source_error", "window"}
	var b strings.Builder
	b.WriteString(sp() + "{")
	n := r.IntN(5)
	for i := range n {
		if i > 0 {
			b.WriteString(sp() + "," + sp())
		}
		k := keys[r.IntN(len(keys))]
		name := k
		if r.IntN(12) == 0 {
			name = pick("Canary", `can\u0061ry`, "extra", "BASELINE", "")
		}
		fmt.Fprintf(&b, "%q%s:%s%s", name, sp(), sp(), vals[k]())
	}
	b.WriteString(sp() + "}" + sp())
	s := b.String()
	if r.IntN(6) == 0 { // a stray byte
		const bytes = "{}[],:\"0 n\\"
		i := r.IntN(len(s))
		s = s[:i] + string(bytes[r.IntN(len(bytes))]) + s[i:]
	}
	return s
}

// describe prints a request whole, the window's times rather than their
// pointer (NaN prints as NaN, maps in key order).
func describe(r engine.AnalysisRequest) string {
	w := "no window"
	if r.Window != nil {
		w = fmt.Sprintf("%#v", *r.Window)
	}
	r.Window = nil
	return fmt.Sprintf("%#v %s", r, w)
}

// TestSplitAnalysisAgrees: reading a body in one pass gives exactly the
// request and error the full decoding gives, for every body; and the usual
// bodies do take the one pass.
func TestSplitAnalysisAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	split := 0
	for range 30000 {
		body := randomAnalysisBody(r)
		want, werr := parseAnalysisWith([]byte(body), false)
		got, gerr := parseAnalysisWith([]byte(body), true)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || describe(got) != describe(want) {
			t.Fatalf("%q:\none pass: %s, %v\nfull:     %s, %v", body, describe(got), gerr, describe(want), werr)
		}
		if _, _, ok := splitAnalysis([]byte(body)); ok {
			split++
		}
	}
	if split < 3000 {
		t.Errorf("only %d of 30,000 bodies took the one pass", split)
	}
	for _, body := range []string{
		`{"canary":{"m":[1,2]},"baseline":{"m":[3,null]},"window":{"start":"2026-12-01T10:00:00Z","end":"2026-12-01T10:05:00Z"}}`,
		"{\n  \"canary\": {\"m\": [1, 2]},\n  \"baseline\": {\"m\": [3]},\n  \"source_error\": \"\"\n}\n",
		`{"source_error":"prometheus: timeout"}`,
	} {
		if _, _, ok := splitAnalysis([]byte(body)); !ok {
			t.Errorf("%q: a usual body went the full way", body)
		}
	}
}

func FuzzSplitAnalysis(f *testing.F) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 40 {
		f.Add(randomAnalysisBody(r))
	}
	f.Fuzz(func(t *testing.T, body string) {
		want, werr := parseAnalysisWith([]byte(body), false)
		got, gerr := parseAnalysisWith([]byte(body), true)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || describe(got) != describe(want) {
			t.Fatalf("%q:\none pass: %s, %v\nfull:     %s, %v", body, describe(got), gerr, describe(want), werr)
		}
	})
}
