package server

import (
	"testing"

	"github.com/canaryjudge/canaryjudge/engine"
	"github.com/canaryjudge/canaryjudge/judge"
)

// FuzzParseAnalysis: arbitrary bodies never panic, and every rejection is
// a validation error naming a field, which the funnel answers with 400.
func FuzzParseAnalysis(f *testing.F) {
	for _, s := range []string{`{}`, `{"canary":{"a":[1,2,null,"NaN"]},"baseline":{"a":[1]}}`, `{"canary":{"a":"x"}}`,
		`{"source_error":"timeout"}`, `{"canary":{"a":[1e999]}}`, `[]`, `{"canary":1}`, `{"x":1}`, `{"canary":{"a":[1]}} {}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		_, err := parseAnalysis(body)
		if err == nil {
			return
		}
		v, ok := judge.AsValidation(err)
		if !ok || len(v.Problems) == 0 || v.Problems[0].Field == "" {
			t.Fatalf("%q: error %v (%T) does not name a field", body, err, err)
		}
		if p := toProblem(err); p.Status != 400 {
			t.Fatalf("%q: status %d", body, p.Status)
		}
	})
}

// FuzzDecodeStrict: the strict decoder used by every JSON endpoint.
func FuzzDecodeStrict(f *testing.F) {
	for _, s := range []string{`{"service":"a","version":"v2","baseline_version":"v1"}`, `{"service":1}`, `{`, ``, `{"migrations":[{"id":"x","compat":"expand"}]}`, `{"a":1}`, `{} x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var req engine.CreateReleaseRequest
		err := decodeStrict(body, &req)
		if err == nil {
			err = req.Validate()
		}
		if err == nil {
			return
		}
		v, ok := judge.AsValidation(err)
		if !ok || v.Problems[0].Field == "" {
			t.Fatalf("%q: error %v (%T) does not name a field", body, err, err)
		}
	})
}
