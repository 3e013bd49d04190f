package flagger_test

import (
	"encoding/json"
	"testing"

	"github.com/canaryjudge/canaryjudge/canaryjudgetest"
	"github.com/canaryjudge/canaryjudge/internal/tooltest"
)

// FuzzWebhook: whatever Flagger (or anyone) sends, the answer is a yes, a
// no or a 400, always JSON, never a 500.
func FuzzWebhook(f *testing.F) {
	for _, s := range []string{
		`{"name":"podinfo","namespace":"prod","phase":"Progressing","checksum":"abc","metadata":{"service":"podinfo"}}`,
		`{"name":"podinfo","namespace":"prod","checksum":"abc","metadata":null}`,
		`{"name":"","namespace":"","checksum":""}`, `[]`, `{"name":1}`, "{\"name\":\"a\xff\"}", `{"checksum":"a\u0000b"}`,
	} {
		f.Add("rollout", s)
		f.Add("event", s)
	}
	cj := canaryjudgetest.NewServer(f)
	cj.MustDo(f, 201, "PUT", "/v1/services/podinfo/policy", tooltest.Policy)
	f.Fuzz(func(t *testing.T, hook, body string) {
		if len(hook) > 40 || len(hook) == 0 {
			return
		}
		for _, c := range hook {
			if c == '/' || c == '?' || c == '#' || c == '%' || c <= ' ' || c > '~' {
				return
			}
		}
		r := cj.Do(t, "POST", "/flagger/"+hook, body)
		switch r.Status {
		case 200, 412, 400, 404:
		default:
			t.Fatalf("POST /flagger/%s %q: %d %s", hook, body, r.Status, r.Body)
		}
		if !json.Valid(r.Body) {
			t.Fatalf("not JSON: %s", r.Body)
		}
	})
}
